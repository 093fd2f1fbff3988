using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.KMS;
using FluentAssertions;
using Patterns.Cdk.EventDrivenSettlement;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>One case per validation rule of EventDrivenSettlementProps, with the exact message; and one per warning id.</summary>
public class EventDrivenSettlementValidationTests
{
    private static ITable StreamTable(Stack s) => Table.FromTableAttributes(s, "T", new TableAttributes
    {
        TableArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements",
        TableStreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements/stream/2024-01-01T00:00:00.000",
    });

    private static IVpc Network(Stack s) => Vpc.FromVpcAttributes(s, "V", new VpcAttributes
    {
        VpcId = "vpc-0123456789abcdef0", AvailabilityZones = ["eu-west-1a"], PrivateSubnetIds = ["subnet-0123456789abcdef0"],
    });

    public static TheoryData<string, Func<Stack, EventDrivenSettlementProps>, string> Rules() => new()
    {
        // Bring-your-own resources and overrides.
        { "bus twice", s => new() { ExistingEventBus = EventBus.FromEventBusName(s, "B", "claims"), EventBusProps = new EventBusProps() },
            "ExistingEventBus, EventBusProps: both were given, but they are alternatives (got both); pass ExistingEventBus to use your bus, or EventBusProps to tune the one the construct creates, not both" },
        { "table twice", s => new() { ExistingTable = StreamTable(s), TableProps = new TableProps() },
            "ExistingTable, TableProps: both were given, but they are alternatives (got both); pass ExistingTable to use your table, or TableProps to tune the one the construct creates, not both" },
        { "table without stream", s => new() { ExistingTable = Table.FromTableName(s, "T", "settlements") },
            "ExistingTable: has no stream ARN, but the outbox pipe that publishes Settlement.Finalized reads the table's stream (got \"a table without TableStreamArn\"); enable a NEW_IMAGE stream on the table and import it with Table.FromTableAttributes(..., new TableAttributes { TableArn = ..., TableStreamArn = ... })" },
        { "key for an existing table", s => new() { ExistingTable = StreamTable(s), TableEncryptionKey = new Key(s, "K") },
            "TableEncryptionKey: encrypts the table the construct creates, but ExistingTable was given (got \"a key\"); remove TableEncryptionKey (an imported table's own EncryptionKey is granted to the functions and the pipe), or remove ExistingTable" },
        { "key twice", s => new() { TableProps = new TableProps { EncryptionKey = new Key(s, "K1") }, TableEncryptionKey = new Key(s, "K2") },
            "TableProps.EncryptionKey, TableEncryptionKey: both were given, but they are alternatives (got both); pass the key once, as TableEncryptionKey" },
        { "partition key", _ => new() { TableProps = new TableProps { PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "id", Type = AttributeType.STRING } } },
            "TableProps.PartitionKey: is fixed: the handler, your container and the pipe address settlements by claimId (string) (got \"id\"); remove it" },
        { "sort key", _ => new() { TableProps = new TableProps { SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "version", Type = AttributeType.NUMBER } } },
            "TableProps.SortKey: is fixed: one settlement per claim, so the table has no sort key (got \"version\"); remove it" },
        { "stream", _ => new() { TableProps = new TableProps { Stream = StreamViewType.KEYS_ONLY } },
            "TableProps.Stream: is fixed: the outbox pipe reads a NEW_IMAGE stream (got KEYS_ONLY); remove it" },
        { "replicas", _ => new() { TableProps = new TableProps { ReplicationRegions = ["eu-central-1"] } },
            "TableProps.ReplicationRegions: cannot replicate the settlement table: CDK's replicas need a NEW_AND_OLD_IMAGES stream, and every replica's writes would reach this region's outbox as well (got \"eu-central-1\"); remove ReplicationRegions, or pass ExistingTable" },
        { "table props number", _ => new() { TableProps = new TableProps { ReadCapacity = double.NaN } },
            "TableProps.ReadCapacity: must be a finite number (got NaN); give a number, or leave it out for the default" },

        // Safety switches.
        { "max receive", _ => new() { MaxReceiveCount = 0 }, "MaxReceiveCount: must be between 1 and 100 (got 0); the default is 3" },
        { "max receive whole", _ => new() { MaxReceiveCount = 2.5 }, "MaxReceiveCount: must be a whole number (got 2.5); round it, e.g. 2" },
        { "alarm topic unused", s => new() { CreateAlarms = false, AlarmTopic = new Amazon.CDK.AWS.SNS.Topic(s, "T") },
            "AlarmTopic: was given but CreateAlarms is false, so nothing would notify it (got \"a topic\"); remove AlarmTopic or set CreateAlarms to true" },

        // Handler tuning.
        { "consumer memory", _ => new() { ConsumerMemorySize = 64 }, "ConsumerMemorySize: must be between 128 and 10240 MB (got 64); the default is 512" },
        { "api memory", _ => new() { EnableRestApi = true, ApiMemorySize = 20000 }, "ApiMemorySize: must be between 128 and 10240 MB (got 20000); the default is 512" },
        { "consumer timeout", _ => new() { ConsumerTimeout = Duration.Minutes(20) }, "ConsumerTimeout: must be between 5 seconds and 15 minutes (got 20 minutes); the default is 30 seconds" },
        { "consumer timeout whole", _ => new() { ConsumerTimeout = Duration.Millis(7500) },
            "ConsumerTimeout: must be a whole number of seconds (Lambda takes whole seconds) (got 7 seconds 500 millis); round it, e.g. Duration.Seconds(30)" },
        { "consumer concurrency", _ => new() { ConsumerMaxConcurrency = 1 },
            "ConsumerMaxConcurrency: must be between 2 and 1000 (SQS event sources need at least 2) (got 1); the default is 10" },
        { "log level", _ => new() { LogLevel = "LOUD" }, "LogLevel: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got \"LOUD\"); the default is INFO" },
        { "visibility below timeout", _ => new() { ConsumerTimeout = Duration.Seconds(60), QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { VisibilityTimeout = Duration.Seconds(30) } },
            "QueueProps.VisibilityTimeout: is shorter than the consumer function's timeout (ConsumerTimeout, 1 minute), so Lambda refuses the queue as its event source at deploy (got 30 seconds); raise it to at least 6 x ConsumerTimeout (AWS's advice, and the default when you leave it out)" },
        { "fifo queue", _ => new() { QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { Fifo = true } },
            "QueueProps.Fifo: makes the work queue FIFO, but EventBridge sends standard messages (and its dead-letter queue is a standard queue), so it fails at deploy or at the first message (got \"true\"); remove Fifo" },

        // The input pattern.
        { "pattern without detail-type", _ => new() { InputEventPattern = new EventPattern { DetailType = [] } },
            "InputEventPattern.DetailType: does not constrain the detail-type, so the rule would send every event on the bus (other domains' too) to the settlement queue (got \"an empty list\"); leave DetailType out for \"Fraud.Not.Detected\", or name the detail-types to settle" },
        { "pattern matching the output", _ => new() { InputEventPattern = new EventPattern { DetailType = ["Fraud.Not.Detected", "Settlement.Finalized"] } },
            "InputEventPattern.DetailType: matches Settlement.Finalized, the event this construct publishes on the same bus: every settlement would come back as input (got \"Fraud.Not.Detected, Settlement.Finalized\"); remove \"Settlement.Finalized\"" },
        { "pattern with empty source", _ => new() { InputEventPattern = new EventPattern { Source = [] } },
            "InputEventPattern.Source: is empty, which EventBridge refuses in a pattern (got \"an empty list\"); leave Source out for \"fraud.service\", or name the sources" },

        // The settlement rules.
        { "currency", _ => new() { Currency = "usd" }, "Currency: must be an ISO 4217 code: three capital letters (the output contract's pattern) (got \"usd\"); e.g. \"USD\" or \"EUR\"; the default is USD" },
        { "no deductibles", _ => new() { Deductibles = [] },
            "Deductibles: must have at least one row, or no claim could be settled (got \"an empty list\"); add a Deductible per document type and damage level you settle, or leave Deductibles out for the default CAR table" },
        { "document type", _ => new() { Deductibles = [new Deductible { DocumentType = "BOAT", DamageLevel = "MINOR", Amount = 100m }] },
            "Deductibles[0].DocumentType: must be a document type of the input contract (got \"BOAT\"); use one of CAR, HOME, TRAVEL" },
        { "damage level", _ => new() { Deductibles = [new Deductible { DocumentType = "CAR", DamageLevel = "minor", Amount = 100m }] },
            "Deductibles[0].DamageLevel: must be a damage level of the input contract (got \"minor\"); use one of MINOR, MODERATE, SEVERE, TOTAL_LOSS" },
        { "amount missing", _ => new() { Deductibles = [new Deductible { DocumentType = "CAR", DamageLevel = "MINOR" }] },
            "Deductibles[0].Amount: is required (got nothing); set the deductible, e.g. 250m" },
        { "amount negative", _ => new() { Deductibles = [new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = -1m }] },
            "Deductibles[0].Amount: must be between 0 and 10000000 (got \"-1\"); give the deductible in the currency's units, e.g. 250m" },
        { "amount cents", _ => new() { Deductibles = [new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 10.005m }] },
            "Deductibles[0].Amount: must have at most two decimal places (amounts are settled to the cent) (got \"10.005\"); round it, e.g. 99.99m" },
        { "duplicate row", _ => new() { Deductibles = [new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 100m }, new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 200m }] },
            "Deductibles: has two rows for the same document type and damage level, so the deductible would be ambiguous (got \"CAR/MINOR\"); keep one row per document type and damage level" },

        // The archive.
        { "archive too long", _ => new() { ArchiveRetention = Duration.Days(4000) }, "ArchiveRetention: must be between 1 and 3650 days (got 4000 days); e.g. Duration.Days(30), or leave it out for no archive" },
        { "archive too short", _ => new() { ArchiveRetention = Duration.Hours(12) }, "ArchiveRetention: must be between 1 and 3650 days (got 12 hours); e.g. Duration.Days(30), or leave it out for no archive" },
        { "archive whole days", _ => new() { ArchiveRetention = Duration.Hours(36) },
            "ArchiveRetention: must be a whole number of days (EventBridge keeps archives by the day) (got 1 day 12 hours); round it, e.g. Duration.Days(30)" },

        // The REST API.
        { "api prop without api", _ => new() { ApiRateLimit = 10 }, "ApiRateLimit: configures the REST API, but EnableRestApi is not true (got 10); set EnableRestApi to true, or remove ApiRateLimit" },
        { "api role without api", _ => new() { ApiCloudWatchRole = true },
            "ApiCloudWatchRole: configures the REST API, but EnableRestApi is not true (got true); set EnableRestApi to true, or remove ApiCloudWatchRole" },
        { "private without vpc", _ => new() { EnableRestApi = true, ApiEndpointType = EndpointType.PRIVATE },
            "ApiEndpointType: is PRIVATE, but there is no VPC to reach the API from (got PRIVATE); pass ExistingApiVpcEndpoint (an execute-api interface endpoint) or ExistingVpc (the construct adds the endpoint), or use REGIONAL" },
        { "endpoint for a public api", s => new() { EnableRestApi = true, ExistingApiVpcEndpoint = InterfaceVpcEndpoint.FromInterfaceVpcEndpointAttributes(s, "E", new InterfaceVpcEndpointAttributes { VpcEndpointId = "vpce-1", Port = 443 }) },
            "ExistingApiVpcEndpoint: is only used by a PRIVATE API (got \"an endpoint\"); set ApiEndpointType to EndpointType.PRIVATE, or remove ExistingApiVpcEndpoint" },
        { "api rate", _ => new() { EnableRestApi = true, ApiRateLimit = 0 }, "ApiRateLimit: must be between 1 and 10000 requests per second (got 0); the default is 50" },
        { "api burst", _ => new() { EnableRestApi = true, ApiBurstLimit = 9000 }, "ApiBurstLimit: must be between 1 and 5000 requests (got 9000); the default is 100" },

        // Container mode.
        { "container with function tuning", s => new() { ContainerImage = SettlementSynth.Image(s), ConsumerMemorySize = 1024 },
            "ConsumerMemorySize: tunes the bundled settlement function, which ContainerImage replaces (got 1024); remove ConsumerMemorySize (size the tasks with ContainerCpu, ContainerMemoryLimitMiB and ContainerMaxCapacity), or remove ContainerImage to use the bundled function" },
        { "container with function concurrency", s => new() { ContainerImage = SettlementSynth.Image(s), ConsumerMaxConcurrency = 5 },
            "ConsumerMaxConcurrency: tunes the bundled settlement function, which ContainerImage replaces (got 5); remove ConsumerMaxConcurrency (size the tasks with ContainerCpu, ContainerMemoryLimitMiB and ContainerMaxCapacity), or remove ContainerImage to use the bundled function" },
        { "container with function timeout", s => new() { ContainerImage = SettlementSynth.Image(s), ConsumerTimeout = Duration.Seconds(60) },
            "ConsumerTimeout: tunes the bundled settlement function, which ContainerImage replaces (got 1 minute); remove ConsumerTimeout (size the tasks with ContainerCpu, ContainerMemoryLimitMiB and ContainerMaxCapacity), or remove ContainerImage to use the bundled function" },
        { "container prop without image", _ => new() { ContainerMinCapacity = 1 },
            "ContainerMinCapacity: configures container mode, but ContainerImage was not given (got 1); set ContainerImage to your settlement service's image, or remove ContainerMinCapacity" },
        { "container environment without image", _ => new() { ContainerEnvironment = new Dictionary<string, string> { ["A"] = "b" } },
            "ContainerEnvironment: configures container mode, but ContainerImage was not given (got \"variables\"); set ContainerImage to your settlement service's image, or remove ContainerEnvironment" },
        { "vpc without use", s => new() { ExistingVpc = Network(s) },
            "ExistingVpc: is used only by container mode's tasks and a PRIVATE API's new endpoint, and neither is configured (got \"a VPC\"); remove ExistingVpc, or set ContainerImage (or ApiEndpointType PRIVATE)" },
        { "cpu", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerCpu = 300 },
            "ContainerCpu: must be a Fargate task size: 256, 512, 1024, 2048, 4096, 8192 or 16384 (got 300); the default is 512 (half a vCPU)" },
        { "memory for cpu", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerCpu = 1024, ContainerMemoryLimitMiB = 1024 },
            "ContainerMemoryLimitMiB: is not a memory size Fargate offers with 1024 CPU units (got 1024); use one of 2048-8192 MiB in steps of 1024 (2048, 3072, 4096, 5120, ...)" },
        { "min capacity", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerMinCapacity = -1 },
            "ContainerMinCapacity: must be between 0 and 1000 (got -1); the default is 0 (scale to zero)" },
        { "max capacity", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerMaxCapacity = 0 },
            "ContainerMaxCapacity: must be between 1 and 1000 (got 0); the default is 4" },
        { "min above max", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerMinCapacity = 6 },
            "ContainerMinCapacity: is more than ContainerMaxCapacity (4) (got 6); lower ContainerMinCapacity or raise ContainerMaxCapacity" },
        { "spot weight", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerSpotWeight = 2000 },
            "ContainerSpotWeight: must be between 0 and 1000 (got 2000); the default is 2" },
        { "no capacity", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerSpotWeight = 0, ContainerOnDemandWeight = 0 },
            "ContainerOnDemandWeight: is 0 and so is ContainerSpotWeight, so no capacity provider would ever run a task (got 0); give FARGATE (ContainerOnDemandWeight) or FARGATE_SPOT (ContainerSpotWeight) a weight above 0" },
        { "reserved variable", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerEnvironment = new Dictionary<string, string> { ["SETTLEMENT_TABLE"] = "mine" } },
            "ContainerEnvironment: sets SETTLEMENT_TABLE, which the construct sets (the container's contract) (got \"SETTLEMENT_TABLE\"); remove SETTLEMENT_TABLE, or read your own variable under another name" },
        { "variable name", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerEnvironment = new Dictionary<string, string> { ["1-BAD"] = "x" } },
            "ContainerEnvironment: has a variable name that is not a portable environment variable name (got \"1-BAD\"); use letters, digits and '_', not starting with a digit" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_fails_with_its_documented_message(string rule, Func<Stack, EventDrivenSettlementProps> props, string message) =>
        SettlementSynth.Constructing(props).Should().Throw<ArgumentException>(rule).Which.Message.Should().Contain(message);

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        SettlementSynth.Constructing(s => new()
            {
                ContainerImage = SettlementSynth.Image(s),
                ConsumerMemorySize = 1024,
                ArchiveRetention = Duration.Days(0),
                InputEventPattern = new EventPattern { DetailType = [] },
            })
            .Should().Throw<ArgumentException>().Which.Message.Should().StartWith("Invalid EventDrivenSettlementProps (3 problems):");
    }

    [Fact]
    public void Defaults_and_a_complete_configuration_are_valid()
    {
        SettlementSynth.Constructing(_ => new()).Should().NotThrow();
        SettlementSynth.Constructing(EventDrivenSettlementSnapshotTests.FullyCustomised).Should().NotThrow();
        SettlementSynth.Constructing(EventDrivenSettlementSnapshotTests.Existing).Should().NotThrow();
    }

    [Theory]
    [InlineData("ContainerCpu")]
    [InlineData("ContainerMemoryLimitMiB")]
    [InlineData("ContainerMinCapacity")]
    [InlineData("ContainerMaxCapacity")]
    [InlineData("ContainerSpotWeight")]
    [InlineData("ContainerOnDemandWeight")]
    public void A_non_finite_container_size_is_refused_by_its_own_rule_in_container_mode(string prop)
    {
        var act = SettlementSynth.Constructing(s =>
        {
            var props = new EventDrivenSettlementProps { ContainerImage = SettlementSynth.Image(s) };
            typeof(EventDrivenSettlementProps).GetProperty(prop)!.SetValue(props, double.NaN);
            return props;
        });
        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().Contain($" - {prop}: ").And.Contain("(got NaN)").And.NotContain("ContainerImage was not given");
    }

    [Theory]
    [InlineData(256, 512)]
    [InlineData(256, 2048)]
    [InlineData(512, 4096)]
    [InlineData(4096, 30720)]
    [InlineData(16384, 122880)]
    public void Every_Fargate_task_size_is_accepted(double cpu, double memory) =>
        SettlementSynth.Constructing(s => new() { ContainerImage = SettlementSynth.Image(s), ContainerCpu = cpu, ContainerMemoryLimitMiB = memory }).Should().NotThrow();
}

/// <summary>Overriding a secure default is allowed, but says so with a stable warning id.</summary>
public class EventDrivenSettlementWarningTests
{
    public static TheoryData<string, Func<Stack, EventDrivenSettlementProps>> Cases() => new()
    {
        { "tableRemoval", _ => new() { TableProps = new TableProps { RemovalPolicy = RemovalPolicy.DESTROY } } },
        { "tableRecovery", _ => new() { TableProps = new TableProps { PointInTimeRecovery = false } } },
        { "queueVisibility", _ => new() { QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { VisibilityTimeout = Duration.Seconds(60) } } },
        { "queueTls", _ => new() { QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { EnforceSSL = false } } },
        { "inputDetailType", _ => new() { InputEventPattern = new EventPattern { DetailType = ["Fraud.Not.Detected", "Claim.Approved"] } } },
        { "containerImageNeedsInternet", _ => new() { ContainerImage = ContainerImage.FromRegistry("example/settlement:1") } },
        { "containerSpotOnly", s => new() { ContainerImage = SettlementSynth.Image(s), ContainerOnDemandWeight = 0 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_weakened_default_warns_with_its_id(string topic, Func<Stack, EventDrivenSettlementProps> props)
    {
        var (stack, _, _) = SettlementSynth.Settlement(props);
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().Contain(w => w.Contains($"patterns-cdk:EventDrivenSettlement.{topic}"), topic);
    }

    [Fact]
    public void A_registry_image_on_your_own_vpc_does_not_warn()
    {
        var (stack, _, _) = SettlementSynth.Settlement(s => new()
        {
            ContainerImage = ContainerImage.FromRegistry("example/settlement:1"),
            ExistingVpc = Vpc.FromVpcAttributes(s, "V", new VpcAttributes { VpcId = "vpc-1", AvailabilityZones = ["eu-west-1a"], PrivateSubnetIds = ["subnet-1"] }),
        });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().NotContain(w => w.Contains("patterns-cdk:EventDrivenSettlement.containerImageNeedsInternet"));
    }

    [Fact]
    public void Secure_defaults_raise_no_warning()
    {
        RecursionSafeS3ProcessorSwitchTests.Warnings(SettlementSynth.Settlement().Stack).Should().NotContain(w => w.Contains("patterns-cdk:"));
        RecursionSafeS3ProcessorSwitchTests.Warnings(SettlementSynth.Settlement(s => new() { ContainerImage = SettlementSynth.Image(s), EnableRestApi = true }).Stack)
            .Should().NotContain(w => w.Contains("patterns-cdk:"));
    }
}
