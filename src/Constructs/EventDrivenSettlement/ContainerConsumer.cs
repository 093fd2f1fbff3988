using Amazon.CDK;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ECS.Patterns;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>What container mode is made of, resolved from the props.</summary>
internal sealed record ContainerSettings(
    ContainerImage Image,
    IVpc? ExistingVpc,
    double Cpu,
    double MemoryLimitMiB,
    double MinCapacity,
    double MaxCapacity,
    double SpotWeight,
    double OnDemandWeight,
    IReadOnlyDictionary<string, string> Environment,
    RetentionDays LogRetention);

/// <summary>
/// Brownfield container mode: the user's settlement service consumes the work queue as a queue-processing Fargate
/// service. Scaling follows the queue's backlog (never CPU), from a configurable minimum that may be zero: one visible
/// message starts a task. Tasks run on FARGATE_SPOT and FARGATE capacity providers (2:1 by default) in a VPC with no NAT
/// gateway: interface endpoints for SQS, ECR (API and Docker) and CloudWatch Logs, gateway endpoints for DynamoDB and
/// S3 (ECR's image layers live in S3). The task role may consume the queue and, on the table, put and get items — no
/// events:PutEvents: the outbox publishes.
/// </summary>
internal static class ContainerConsumer
{
    /// <summary>Backlog steps on ApproximateNumberOfMessagesVisible: none visible removes a task, one visible adds one, a deep backlog adds more.</summary>
    public static ScalingInterval[] ScalingSteps =>
    [
        new ScalingInterval { Upper = 0, Change = -1 },
        new ScalingInterval { Lower = 1, Change = 1 },
        new ScalingInterval { Lower = 100, Change = 2 },
        new ScalingInterval { Lower = 500, Change = 5 },
    ];

    /// <summary>The interface endpoints a task needs without a NAT gateway, by construct id.</summary>
    public static readonly (string Id, InterfaceVpcEndpointAwsService Service)[] InterfaceEndpoints =
    [
        ("SqsEndpoint", InterfaceVpcEndpointAwsService.SQS),
        ("EcrApiEndpoint", InterfaceVpcEndpointAwsService.ECR),
        ("EcrDockerEndpoint", InterfaceVpcEndpointAwsService.ECR_DOCKER),
        ("LogsEndpoint", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
    ];

    /// <summary>A two-AZ VPC with isolated subnets only, flow logs of rejected traffic, and the endpoints the tasks call.</summary>
    public static Vpc CreateVpc(Construct scope, RetentionDays logRetention)
    {
        var flowLogs = new LogGroup(scope, "VpcFlowLogs", new LogGroupProps { Retention = logRetention, RemovalPolicy = RemovalPolicy.RETAIN });
        var vpc = new Vpc(scope, "Vpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = 0,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "Tasks", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                ["DynamoDbEndpoint"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.DYNAMODB },
                ["S3Endpoint"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 },
            },
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["FlowLog"] = new FlowLogOptions
                {
                    Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs),
                    TrafficType = FlowLogTrafficType.REJECT,
                },
            },
        });
        foreach (var (id, service) in InterfaceEndpoints)
        {
            vpc.AddInterfaceEndpoint(id, new InterfaceVpcEndpointOptions { Service = service, PrivateDnsEnabled = true, Open = true });
        }

        return vpc;
    }

    public static QueueProcessingFargateService Create(Construct scope, IVpc vpc, IQueue queue, ContainerSettings s)
    {
        var cluster = new Cluster(scope, "Cluster", new ClusterProps
        {
            Vpc = vpc,
            ContainerInsights = true,
            EnableFargateCapacityProviders = true,
        });
        var logs = new LogGroup(scope, "ContainerLogs", new LogGroupProps { Retention = s.LogRetention, RemovalPolicy = RemovalPolicy.RETAIN });
        var strategies = new List<ICapacityProviderStrategy>();
        if (s.SpotWeight > 0)
        {
            strategies.Add(new CapacityProviderStrategy { CapacityProvider = "FARGATE_SPOT", Weight = s.SpotWeight });
        }

        if (s.OnDemandWeight > 0)
        {
            strategies.Add(new CapacityProviderStrategy { CapacityProvider = "FARGATE", Weight = s.OnDemandWeight });
        }

        return new QueueProcessingFargateService(scope, "ContainerService", new QueueProcessingFargateServiceProps
        {
            Cluster = cluster,
            Image = s.Image,
            ContainerName = "Settlement",
            Queue = queue,
            Cpu = s.Cpu,
            MemoryLimitMiB = s.MemoryLimitMiB,
            Environment = new Dictionary<string, string>(s.Environment),
            MinScalingCapacity = s.MinCapacity,
            MaxScalingCapacity = s.MaxCapacity,
            DisableCpuBasedScaling = true,
            ScalingSteps = ScalingSteps,
            CapacityProviderStrategies = strategies.ToArray(),
            LogDriver = LogDrivers.AwsLogs(new AwsLogDriverProps { StreamPrefix = "settlement", LogGroup = logs }),
            CircuitBreaker = new DeploymentCircuitBreaker { Rollback = true },
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            EnableExecuteCommand = false,
        });
    }
}
