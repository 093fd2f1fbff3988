using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>
/// The network callers upload from: a new VPC (two AZs, isolated subnets only, no NAT gateway, flow logs of rejected
/// traffic) with an S3 gateway endpoint so presigned uploads reach the bucket privately, and the <c>execute-api</c>
/// interface endpoint the API is reachable through (its own security group admits HTTPS from the VPC's CIDR only).
/// </summary>
internal static class UploadNetwork
{
    public static Vpc CreateVpc(Construct scope)
    {
        var flowLogs = new LogGroup(scope, "VpcFlowLogs", new LogGroupProps { Retention = RetentionDays.THREE_MONTHS, RemovalPolicy = RemovalPolicy.RETAIN });
        return new Vpc(scope, "Vpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = 0,
            SubnetConfiguration = [new SubnetConfiguration { Name = "Uploaders", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 }],
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["FlowLog"] = new FlowLogOptions { Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs), TrafficType = FlowLogTrafficType.REJECT },
            },
        });
    }

    /// <summary>The S3 gateway endpoint of a new VPC (route tables of its isolated subnets): upload traffic never leaves AWS's network.</summary>
    public static GatewayVpcEndpoint CreateS3Endpoint(Construct scope, IVpc vpc) => new(scope, "S3Endpoint", new GatewayVpcEndpointProps
    {
        Vpc = vpc,
        Service = GatewayVpcEndpointAwsService.S3,
    });

    /// <summary>The <c>execute-api</c> interface endpoint; <c>Open</c> gives it a security group admitting 443 from the VPC's CIDR.</summary>
    public static InterfaceVpcEndpoint CreateApiEndpoint(Construct scope, IVpc vpc, bool privateDns) => new(scope, "ApiEndpoint", new InterfaceVpcEndpointProps
    {
        Vpc = vpc,
        Service = InterfaceVpcEndpointAwsService.APIGATEWAY,
        PrivateDnsEnabled = privateDns,
        Open = true,
    });
}
