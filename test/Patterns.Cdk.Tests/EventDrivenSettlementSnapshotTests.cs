using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.EventDrivenSettlement;
using Snapshooter.Xunit;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Scrubbed template snapshots (defaults / fully customised / container mode / existing resources); each also feeds the
/// cdk-nag, runtime and cfn-lint checks (artifacts/nag).
/// </summary>
public class EventDrivenSettlementSnapshotTests
{
    [Fact]
    public void Defaults()
    {
        var (stack, _, _) = SettlementSynth.Settlement();
        TestApp.WriteForNag(stack, "event-driven-settlement-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Fully_customised()
    {
        var (stack, settlement, _) = SettlementSynth.Settlement(FullyCustomised);
        settlement.Api.Should().NotBeNull();
        TestApp.WriteForNag(stack, "event-driven-settlement-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Container_mode()
    {
        var (stack, settlement, _) = SettlementSynth.Settlement(s => new EventDrivenSettlementProps
        {
            ContainerImage = SettlementSynth.Image(s),
            EnableRestApi = true,
        });
        settlement.ContainerService.Should().NotBeNull();
        TestApp.WriteForNag(stack, "event-driven-settlement-container");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Existing_resources()
    {
        var (stack, _, _) = SettlementSynth.Settlement(Existing);
        TestApp.WriteForNag(stack, "event-driven-settlement-existing");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    /// <summary>Every prop that is not bring-your-own, away from its default.</summary>
    internal static EventDrivenSettlementProps FullyCustomised(Stack stack)
    {
        var key = new Key(stack, "Key", new KeyProps { EnableKeyRotation = true });
        var topic = new Topic(stack, "Alarms", new TopicProps { EnforceSSL = true, MasterKey = key });
        var vpc = new Vpc(stack, "ClaimsVpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = 0,
            SubnetConfiguration = [new SubnetConfiguration { Name = "Private", SubnetType = SubnetType.PRIVATE_ISOLATED }],
            FlowLogs = new Dictionary<string, IFlowLogOptions> { ["Flow"] = new FlowLogOptions { TrafficType = FlowLogTrafficType.REJECT } },
        });
        return new EventDrivenSettlementProps
        {
            ExistingVpc = vpc,
            EventBusProps = new EventBusProps { EventBusName = "claims" },
            TableProps = new TableProps { DeletionProtection = true, ContributorInsightsEnabled = true },
            QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { RetentionPeriod = Duration.Days(7) },
            MaxReceiveCount = 5,
            AlarmTopic = topic,
            TableEncryptionKey = key,
            ConsumerMemorySize = 1024,
            ConsumerTimeout = Duration.Seconds(20),
            ConsumerMaxConcurrency = 25,
            ApiMemorySize = 256,
            LogLevel = "DEBUG",
            LogRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_YEAR,
            EnableTracing = true,
            InputEventPattern = new EventPattern { Detail = new Dictionary<string, object> { ["documentType"] = new[] { "CAR", "HOME" } } },
            Currency = "EUR",
            Deductibles =
            [
                new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 150m },
                new Deductible { DocumentType = "CAR", DamageLevel = "TOTAL_LOSS", Amount = 750.5m },
                new Deductible { DocumentType = "HOME", DamageLevel = "SEVERE", Amount = 2500m },
            ],
            ArchiveRetention = Duration.Days(30),
            EnableRestApi = true,
            ApiEndpointType = EndpointType.PRIVATE,
            ApiRateLimit = 20,
            ApiBurstLimit = 40,
            ApiCloudWatchRole = true,
        };
    }

    /// <summary>Bus, table, VPC and API endpoint imported; container mode on the imported VPC.</summary>
    internal static EventDrivenSettlementProps Existing(Stack stack) => new()
    {
        ExistingEventBus = EventBus.FromEventBusArn(stack, "Claims", "arn:aws:events:eu-west-1:123456789012:event-bus/claims"),
        ExistingTable = Table.FromTableAttributes(stack, "Settlements", new TableAttributes
        {
            TableArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements",
            TableStreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements/stream/2024-01-01T00:00:00.000",
        }),
        ExistingVpc = Vpc.FromVpcAttributes(stack, "Network", new VpcAttributes
        {
            VpcId = "vpc-0123456789abcdef0",
            AvailabilityZones = ["eu-west-1a", "eu-west-1b"],
            PrivateSubnetIds = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        }),
        ExistingApiVpcEndpoint = InterfaceVpcEndpoint.FromInterfaceVpcEndpointAttributes(stack, "ApiEndpoint", new InterfaceVpcEndpointAttributes
        {
            VpcEndpointId = "vpce-0123456789abcdef0",
            Port = 443,
        }),
        ContainerImage = SettlementSynth.Image(stack),
        EnableRestApi = true,
        ApiEndpointType = EndpointType.PRIVATE,
    };
}
