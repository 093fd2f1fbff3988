using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.EventDrivenSettlement;
using Xunit;
using Match = Amazon.CDK.Assertions.Match;
using static Patterns.Cdk.Tests.SettlementSynth;

namespace Patterns.Cdk.Tests;

/// <summary>Each switch and tuning prop of EventDrivenSettlement changes exactly what it says.</summary>
public class EventDrivenSettlementSwitchTests
{
    [Fact]
    public void An_existing_bus_is_used_for_the_rule_the_outbox_and_the_archive_and_none_is_created()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps
        {
            ExistingEventBus = EventBus.FromEventBusArn(s, "Claims", "arn:aws:events:eu-west-1:123456789012:event-bus/claims"),
            ArchiveRetention = Duration.Days(30),
        });
        t.ResourceCountIs("AWS::Events::EventBus", 0);
        settlement.EventBus.EventBusName.Should().Be("claims");
        ((string)Single(stack, "AWS::Events::Rule")["EventBusName"]!).Should().Be("claims");
        ((string)Single(stack, "AWS::Pipes::Pipe")["Target"]!).Should().Be("arn:aws:events:eu-west-1:123456789012:event-bus/claims");
        PolicyStatements.Of(stack, "PipeRole").Single(p => p.Actions.Contains("events:PutEvents")).Resources.Should().Equal("arn:aws:events:eu-west-1:123456789012:event-bus/claims");
        ((string)Single(stack, "AWS::Events::Archive")["SourceArn"]!).Should().Be("arn:aws:events:eu-west-1:123456789012:event-bus/claims");
        settlement.Archive!.Node.Scope.Should().BeSameAs(settlement, "the archive is the construct's own resource, not a child of the imported bus");
    }

    [Fact]
    public void EventBusProps_tune_the_created_bus()
    {
        var (_, _, t) = Settlement(new EventDrivenSettlementProps { EventBusProps = new EventBusProps { EventBusName = "claims" } });
        t.HasResourceProperties("AWS::Events::EventBus", Props(("Name", "claims")));
    }

    [Fact]
    public void ArchiveRetention_archives_both_contracts_events_for_replay()
    {
        var (stack, settlement, _) = Settlement(new EventDrivenSettlementProps { ArchiveRetention = Duration.Days(90) });
        var archive = Single(stack, "AWS::Events::Archive");
        ((double)archive["RetentionDays"]!).Should().Be(90);
        archive["EventPattern"]!.ToJsonString().Should().Be(
            "{\"detail-type\":[\"Fraud.Not.Detected\",\"Settlement.Finalized\"],\"source\":[\"fraud.service\",\"settlement.service\"]}");
        settlement.Archive.Should().NotBeNull();
    }

    [Fact]
    public void InputEventPattern_narrows_the_default_pattern_field_by_field()
    {
        var (stack, _, _) = Settlement(new EventDrivenSettlementProps
        {
            InputEventPattern = new EventPattern { Detail = new Dictionary<string, object> { ["documentType"] = new[] { "CAR" }, ["fraudType"] = new[] { "CLAIMS" } } },
        });
        Single(stack, "AWS::Events::Rule")["EventPattern"]!.ToJsonString().Should().Be(
            "{\"detail\":{\"documentType\":[\"CAR\"],\"fraudType\":[\"CLAIMS\"]},\"detail-type\":[\"Fraud.Not.Detected\"],\"source\":[\"fraud.service\"]}");
    }

    [Fact]
    public void Currency_and_Deductibles_become_the_settlement_rules_with_amounts_to_the_cent()
    {
        var (stack, _, _) = Settlement(new EventDrivenSettlementProps
        {
            Currency = "EUR",
            Deductibles = [new Deductible { DocumentType = "HOME", DamageLevel = "SEVERE", Amount = 750.5m }, new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 0m }],
        });
        ((string)Environment(stack, "ConsumerFunction")["SETTLEMENT_RULES"]!).Should().Be(
            "{\"currency\":\"EUR\",\"deductibles\":[{\"documentType\":\"HOME\",\"damageLevel\":\"SEVERE\",\"amount\":\"750.50\"},{\"documentType\":\"CAR\",\"damageLevel\":\"MINOR\",\"amount\":\"0.00\"}]}");
    }

    [Fact]
    public void Consumer_tuning_reaches_the_function_the_event_source_and_the_queue()
    {
        var (_, _, t) = Settlement(new EventDrivenSettlementProps
        {
            ConsumerMemorySize = 1024, ConsumerTimeout = Duration.Seconds(20), ConsumerMaxConcurrency = 25, MaxReceiveCount = 5, LogLevel = "debug",
        });
        t.HasResourceProperties("AWS::Lambda::Function", Props(("MemorySize", 1024), ("Timeout", 20),
            ("LoggingConfig", Match.ObjectLike(Props(("ApplicationLogLevel", "DEBUG"))))));
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(("ScalingConfig", Props(("MaximumConcurrency", 25)))));
        t.HasResourceProperties("AWS::SQS::Queue", Props(("VisibilityTimeout", 120), ("RedrivePolicy", Props(("maxReceiveCount", 5), ("deadLetterTargetArn", Match.AnyValue())))));
    }

    [Fact]
    public void A_table_key_encrypts_the_table_and_every_reader_and_writer_may_use_it()
    {
        var (stack, _, t) = Settlement(s => new EventDrivenSettlementProps { TableEncryptionKey = new Key(s, "Key", new KeyProps { EnableKeyRotation = true }), EnableRestApi = true });
        var keyArn = Props(("Fn::GetAtt", new object[] { Resources(stack, "AWS::KMS::Key").Single().Id, "Arn" }));
        t.HasResourceProperties("AWS::DynamoDB::Table", Props(("SSESpecification", Props(("SSEEnabled", true), ("SSEType", "KMS"), ("KMSMasterKeyId", keyArn)))));
        PolicyStatements.Of(stack, "PipeRole").Should().Contain(p => p.Actions.Contains("kms:Decrypt"));
        foreach (var role in new[] { "ConsumerFunctionRole", "ApiFunctionRole" })
        {
            PolicyStatements.Of(stack, role).Should().Contain(p => p.Actions.Contains("kms:GenerateDataKey") && p.Actions.Contains("kms:Decrypt"), role);
        }
    }

    [Fact]
    public void Table_overrides_apply_but_the_key_and_stream_stay_the_contract()
    {
        var (_, _, t) = Settlement(new EventDrivenSettlementProps { TableProps = new TableProps { DeletionProtection = true, TableClass = TableClass.STANDARD_INFREQUENT_ACCESS } });
        t.HasResourceProperties("AWS::DynamoDB::Table", Props(("DeletionProtectionEnabled", true), ("TableClass", "STANDARD_INFREQUENT_ACCESS"),
            ("KeySchema", new object[] { Props(("AttributeName", "claimId"), ("KeyType", "HASH")) }), ("StreamSpecification", Props(("StreamViewType", "NEW_IMAGE")))));
    }

    [Fact]
    public void An_existing_table_is_used_by_the_consumer_and_the_outbox_and_none_is_created()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps
        {
            ExistingTable = Table.FromTableAttributes(s, "Settlements", new TableAttributes
            {
                TableArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements",
                TableStreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/settlements/stream/2024-01-01T00:00:00.000",
                EncryptionKey = Key.FromKeyArn(s, "Key", "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"),
            }),
        });
        t.ResourceCountIs("AWS::DynamoDB::Table", 0);
        settlement.Table.TableName.Should().Be("settlements");
        ((string)Single(stack, "AWS::Pipes::Pipe")["Source"]!).Should().EndWith("table/settlements/stream/2024-01-01T00:00:00.000");
        ((string)Environment(stack, "ConsumerFunction")["SETTLEMENT_TABLE"]!).Should().Be("settlements");
        PolicyStatements.Of(stack, "ConsumerFunctionRole").Single(p => p.Actions.Contains("dynamodb:PutItem")).Resources.Should().Equal("arn:aws:dynamodb:eu-west-1:123456789012:table/settlements");
        PolicyStatements.Of(stack, "ConsumerFunctionRole").Should().Contain(p => p.Actions.Contains("kms:Encrypt"), "an imported table's key is granted too");
    }

    [Fact]
    public void CreateAlarms_false_creates_none_and_AlarmTopic_is_notified_on_alarm_and_recovery()
    {
        var (_, none, t0) = Settlement(new EventDrivenSettlementProps { CreateAlarms = false });
        t0.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
        none.Alarms.Should().BeEmpty();

        var (_, _, t) = Settlement(s => new EventDrivenSettlementProps { AlarmTopic = new Topic(s, "Ops") });
        t.AllResourcesProperties("AWS::CloudWatch::Alarm", Props(
            ("AlarmActions", new object[] { Props(("Ref", Match.StringLikeRegexp("Ops"))) }),
            ("OKActions", new object[] { Props(("Ref", Match.StringLikeRegexp("Ops"))) })));
    }

    [Fact]
    public void EnableTracing_and_LogRetention_reach_every_function_the_stage_and_every_log_group()
    {
        var (stack, _, t) = Settlement(new EventDrivenSettlementProps
        {
            EnableTracing = true, EnableRestApi = true, LogRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_YEAR,
        });
        Resources(stack, "AWS::Lambda::Function").Should().OnlyContain(f => (string)f.Properties["TracingConfig"]!["Mode"]! == "Active");
        t.HasResourceProperties("AWS::ApiGateway::Stage", Props(("TracingEnabled", true)));
        Resources(stack, "AWS::Logs::LogGroup").Should().OnlyContain(l => (double)l.Properties["RetentionInDays"]! == 365);
    }

    [Fact]
    public void The_rest_api_authorizes_every_method_with_iam_validates_against_the_contract_logs_and_throttles()
    {
        var (stack, settlement, t) = Settlement(new EventDrivenSettlementProps { EnableRestApi = true, ApiRateLimit = 20, ApiBurstLimit = 40 });
        t.HasResourceProperties("AWS::ApiGateway::RestApi", Props(("EndpointConfiguration", Props(("Types", new[] { "REGIONAL" })))));
        var methods = Resources(stack, "AWS::ApiGateway::Method");
        methods.Select(m => (string)m.Properties["HttpMethod"]!).Should().BeEquivalentTo("POST", "GET");
        methods.Should().OnlyContain(m => (string)m.Properties["AuthorizationType"]! == "AWS_IAM");
        methods.Should().OnlyContain(m => m.Properties["RequestValidatorId"] != null);
        var post = methods.Single(m => (string)m.Properties["HttpMethod"]! == "POST").Properties;
        post["RequestModels"]!["application/json"]!.ToJsonString().Should().Contain("InputModel");
        var get = methods.Single(m => (string)m.Properties["HttpMethod"]! == "GET").Properties;
        get["RequestParameters"]!.ToJsonString().Should().Be("{\"method.request.path.claimId\":true}");
        Resources(stack, "AWS::ApiGateway::Resource").Select(r => (string)r.Properties["PathPart"]!).Should().BeEquivalentTo("settlements", "{claimId}");
        t.HasResourceProperties("AWS::ApiGateway::RequestValidator", Props(("ValidateRequestBody", true), ("ValidateRequestParameters", true)));
        t.HasResourceProperties("AWS::ApiGateway::Model", Props(("Name", "FraudNotDetected"), ("ContentType", "application/json")));
        t.HasResourceProperties("AWS::ApiGateway::Stage", Props(
            ("StageName", "prod"),
            ("AccessLogSetting", Props(("DestinationArn", Match.AnyValue()), ("Format", Match.StringLikeRegexp("\\$context.requestId")))),
            ("MethodSettings", new object[] { Match.ObjectLike(Props(("LoggingLevel", "ERROR"), ("DataTraceEnabled", false), ("ThrottlingRateLimit", 20), ("ThrottlingBurstLimit", 40))) })));
        t.HasResourceProperties("AWS::ApiGateway::GatewayResponse", Props(("ResponseType", "BAD_REQUEST_BODY"), ("StatusCode", "400"),
            ("ResponseTemplates", Props(("application/json", "{\"message\":$context.error.messageString,\"errors\":[\"$context.error.validationErrorString\"]}")))));
        t.ResourceCountIs("AWS::ApiGateway::Account", 0);
        Environment(stack, "ApiFunction").Select(e => e.Key).Should().BeEquivalentTo("LOG_LEVEL", "SETTLEMENT_TABLE", "SETTLEMENT_RULES");
        t.HasResourceProperties("AWS::Lambda::Function", Props(("Handler", "SettlementApi"), ("Timeout", 10)));
        settlement.ApiUrl.Should().NotBeNull();
        settlement.MetricApiErrors().Should().NotBeNull();
        Resources(stack, "AWS::CloudWatch::Alarm").Should().HaveCount(8, "the API function's errors alarm joins the seven");
    }

    [Fact]
    public void GrantSubmit_and_GrantRead_allow_exactly_their_route()
    {
        var stack = TestApp.NewStack();
        var settlement = new EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", new EventDrivenSettlementProps { EnableRestApi = true });
        var submitter = new Role(stack, "ClaimsPortal", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        var reader = new Role(stack, "StatusPage", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        var tableReader = new Role(stack, "Analytics", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        settlement.GrantSubmit(submitter);
        settlement.GrantRead(reader);
        settlement.GrantTableRead(tableReader);
        var submit = PolicyStatements.Of(stack, "ClaimsPortal").Single();
        submit.Actions.Should().Equal("execute-api:Invoke");
        submit.Resources.Single().Should().MatchRegex("^arn:aws:execute-api:eu-west-1:123456789012:\\{\"Ref\":\"SettlementApi[0-9A-F]+\"\\}/prod/POST/settlements$");
        var read = PolicyStatements.Of(stack, "StatusPage").Single();
        read.Resources.Single().Should().EndWith("/prod/GET/settlements/*");
        PolicyStatements.Of(stack, "Analytics").SelectMany(p => p.Actions).Should().Contain("dynamodb:GetItem").And.NotContain("dynamodb:PutItem");
    }

    [Fact]
    public void A_private_api_gets_an_execute_api_endpoint_in_the_given_vpc_and_refuses_any_other_source()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps
        {
            EnableRestApi = true,
            ApiEndpointType = EndpointType.PRIVATE,
            ExistingVpc = Vpc.FromVpcAttributes(s, "Network", new VpcAttributes
            {
                VpcId = "vpc-0123456789abcdef0", VpcCidrBlock = "10.1.0.0/16", AvailabilityZones = ["eu-west-1a", "eu-west-1b"],
                PrivateSubnetIds = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            }),
        });
        var endpoint = Resources(stack, "AWS::EC2::VPCEndpoint").Single();
        ((string)endpoint.Properties["ServiceName"]!).Should().Be("com.amazonaws.eu-west-1.execute-api");
        ((string)endpoint.Properties["VpcId"]!).Should().Be("vpc-0123456789abcdef0");
        ((bool)endpoint.Properties["PrivateDnsEnabled"]!).Should().BeTrue();
        var api = Single(stack, "AWS::ApiGateway::RestApi");
        api["EndpointConfiguration"]!.ToJsonString().Should().Be($"{{\"Types\":[\"PRIVATE\"],\"VpcEndpointIds\":[{{\"Ref\":\"{endpoint.Id}\"}}]}}");
        var statements = api["Policy"]!["Statement"]!.AsArray();
        statements.Should().Contain(s => (string)s!["Effect"]! == "Deny"
            && s["Condition"]!.ToJsonString() == $"{{\"StringNotEquals\":{{\"aws:SourceVpce\":{{\"Ref\":\"{endpoint.Id}\"}}}}}}");
        statements.Should().Contain(s => (string)s!["Effect"]! == "Allow" && s["Principal"]!.ToJsonString() == "{\"AWS\":\"arn:aws:iam::123456789012:root\"}",
            "the account delegates to IAM: callers still need execute-api:Invoke in their own policies");
        statements.Should().NotContain(s => (string)s!["Effect"]! == "Allow" && s["Principal"]!.ToJsonString().Contains("\"*\"", StringComparison.Ordinal));
        settlement.ApiVpcEndpoint.Should().NotBeNull();
        t.ResourceCountIs("AWS::EC2::VPC", 0);
    }

    [Fact]
    public void A_private_api_uses_a_given_endpoint_and_creates_none()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps
        {
            EnableRestApi = true,
            ApiEndpointType = EndpointType.PRIVATE,
            ExistingApiVpcEndpoint = InterfaceVpcEndpoint.FromInterfaceVpcEndpointAttributes(s, "Endpoint", new InterfaceVpcEndpointAttributes { VpcEndpointId = "vpce-0123456789abcdef0", Port = 443 }),
        });
        t.ResourceCountIs("AWS::EC2::VPCEndpoint", 0);
        Single(stack, "AWS::ApiGateway::RestApi")["EndpointConfiguration"]!.ToJsonString().Should().Be("{\"Types\":[\"PRIVATE\"],\"VpcEndpointIds\":[\"vpce-0123456789abcdef0\"]}");
        Single(stack, "AWS::ApiGateway::RestApi")["Policy"]!.ToJsonString().Should().Contain("{\"aws:SourceVpce\":\"vpce-0123456789abcdef0\"}");
        settlement.ApiVpcEndpoint!.VpcEndpointId.Should().Be("vpce-0123456789abcdef0");
    }

    [Fact]
    public void ApiCloudWatchRole_creates_the_accounts_api_gateway_logging_role_and_keeps_it()
    {
        var (_, _, t) = Settlement(new EventDrivenSettlementProps { EnableRestApi = true, ApiCloudWatchRole = true });
        t.HasResource("AWS::ApiGateway::Account", Props(("DeletionPolicy", "Retain")));
    }

    [Fact]
    public void Container_mode_replaces_the_function_with_a_spot_weighted_fargate_service_scaled_on_the_backlog_from_zero()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps { ContainerImage = Image(s) });
        settlement.ConsumerFunction.Should().BeNull();
        settlement.ContainerService.Should().NotBeNull();
        settlement.MetricConsumerErrors().Should().BeNull();
        settlement.MetricFunctionThrottles().Should().BeNull("no bundled function runs in container mode without the API");
        settlement.Alarms.Should().HaveCount(5, "three dead-letter queues, pipe failures and backlog age; the backlog alarm is how a stalled container shows");
        t.ResourceCountIs("AWS::Lambda::EventSourceMapping", 0);
        Resources(stack, "AWS::Lambda::Function").Where(f => (string?)f.Properties["Runtime"] == "provided.al2023").Should().BeEmpty();
        t.HasResourceProperties("AWS::ECS::Service", Props(
            ("CapacityProviderStrategy", new object[] { Props(("CapacityProvider", "FARGATE_SPOT"), ("Weight", 2)), Props(("CapacityProvider", "FARGATE"), ("Weight", 1)) }),
            ("NetworkConfiguration", Props(("AwsvpcConfiguration", Match.ObjectLike(Props(("AssignPublicIp", "DISABLED"))))))));
        t.HasResourceProperties("AWS::ECS::ClusterCapacityProviderAssociations", Props(("CapacityProviders", Match.ArrayWith(new object[] { "FARGATE", "FARGATE_SPOT" }))));
        t.HasResourceProperties("AWS::ECS::Cluster", Props(("ClusterSettings", new object[] { Props(("Name", "containerInsights"), ("Value", "enabled")) })));
        t.HasResourceProperties("AWS::ECS::TaskDefinition", Props(("Cpu", "512"), ("Memory", "1024"), ("RequiresCompatibilities", new[] { "FARGATE" })));
        t.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Props(("MinCapacity", 0), ("MaxCapacity", 4)));
        var policies = Resources(stack, "AWS::ApplicationAutoScaling::ScalingPolicy");
        policies.Should().OnlyContain(p => (string)p.Properties["PolicyType"]! == "StepScaling", "no CPU target tracking: the backlog drives scaling");
        policies.Select(p => Canon(p.Properties["StepScalingPolicyConfiguration"]!["StepAdjustments"])).Should().BeEquivalentTo(
            "[{\"MetricIntervalUpperBound\":0,\"ScalingAdjustment\":-1}]",
            "[{\"MetricIntervalLowerBound\":0,\"MetricIntervalUpperBound\":99,\"ScalingAdjustment\":1},{\"MetricIntervalLowerBound\":99,\"MetricIntervalUpperBound\":499,\"ScalingAdjustment\":2},{\"MetricIntervalLowerBound\":499,\"ScalingAdjustment\":5}]");
        Resources(stack, "AWS::CloudWatch::Alarm").Should().Contain(a => (string?)a.Properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
            && (double)a.Properties["Threshold"]! == 1 && (string)a.Properties["ComparisonOperator"]! == "GreaterThanOrEqualToThreshold",
            "one visible message starts a task");
    }

    [Fact]
    public void Container_tasks_get_the_documented_environment_and_may_only_consume_the_queue_write_settlements_and_park_messages()
    {
        var (stack, _, _) = Settlement(s => new EventDrivenSettlementProps
        {
            ContainerImage = Image(s), ContainerEnvironment = new Dictionary<string, string> { ["SPRING_PROFILES_ACTIVE"] = "events" },
        });
        var container = Single(stack, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]!.AsArray().Single()!;
        container["Environment"]!.AsArray().Select(e => (string)e!["Name"]!).Should().BeEquivalentTo(
            "SPRING_PROFILES_ACTIVE", "SETTLEMENT_TABLE", "SETTLEMENT_RULES", "DEAD_LETTER_QUEUE_URL", "MAX_RECEIVE_COUNT", "QUEUE_URL", "QUEUE_NAME", "LOG_LEVEL");
        ((string)container["LogConfiguration"]!["LogDriver"]!).Should().Be("awslogs");
        var actions = PolicyStatements.Of(stack, "TaskRole").SelectMany(p => p.Actions).Order().ToList();
        actions.Should().Equal("dynamodb:GetItem", "dynamodb:PutItem", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
            "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage");
        PolicyStatements.Of(stack, "TaskRole").Single(p => p.Actions.Contains("sqs:SendMessage")).Resources.Single().Should().Contain("SettlementDeadLetterQueue");
    }

    [Fact]
    public void Container_mode_creates_a_vpc_without_nat_and_with_the_endpoints_the_tasks_call()
    {
        var (stack, settlement, t) = Settlement(s => new EventDrivenSettlementProps { ContainerImage = Image(s) });
        t.ResourceCountIs("AWS::EC2::VPC", 1);
        t.ResourceCountIs("AWS::EC2::NatGateway", 0);
        t.ResourceCountIs("AWS::EC2::InternetGateway", 0);
        Resources(stack, "AWS::EC2::Subnet").Should().HaveCount(2).And.OnlyContain(s => !(bool)s.Properties["MapPublicIpOnLaunch"]!);
        var endpoints = Resources(stack, "AWS::EC2::VPCEndpoint").Select(e => (Type: (string)e.Properties["VpcEndpointType"]!, Service: e.Properties["ServiceName"]!.ToJsonString())).ToList();
        endpoints.Where(e => e.Type == "Interface").Select(e => e.Service).Should().BeEquivalentTo(
            "\"com.amazonaws.eu-west-1.sqs\"", "\"com.amazonaws.eu-west-1.ecr.api\"", "\"com.amazonaws.eu-west-1.ecr.dkr\"", "\"com.amazonaws.eu-west-1.logs\"");
        endpoints.Where(e => e.Type == "Gateway").Select(e => e.Service).Should().HaveCount(2)
            .And.Contain(s => s.Contains(".dynamodb", StringComparison.Ordinal)).And.Contain(s => s.Contains(".s3", StringComparison.Ordinal));
        t.HasResourceProperties("AWS::EC2::FlowLog", Props(("TrafficType", "REJECT"), ("ResourceType", "VPC")));
        settlement.Vpc.Should().NotBeNull();
    }

    [Fact]
    public void Container_tuning_reaches_the_task_the_scaling_and_the_capacity_providers()
    {
        var (stack, _, t) = Settlement(s => new EventDrivenSettlementProps
        {
            ContainerImage = Image(s), ContainerCpu = 1024, ContainerMemoryLimitMiB = 2048, ContainerMinCapacity = 1, ContainerMaxCapacity = 10,
            ContainerSpotWeight = 0, ContainerOnDemandWeight = 1,
        });
        t.HasResourceProperties("AWS::ECS::TaskDefinition", Props(("Cpu", "1024"), ("Memory", "2048")));
        t.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Props(("MinCapacity", 1), ("MaxCapacity", 10)));
        Canon(Single(stack, "AWS::ECS::Service")["CapacityProviderStrategy"]).Should().Be("[{\"CapacityProvider\":\"FARGATE\",\"Weight\":1}]");
    }

    [Fact]
    public void Container_mode_on_an_existing_vpc_creates_no_network()
    {
        var (stack, settlement, t) = Settlement(EventDrivenSettlementSnapshotTests.Existing);
        t.ResourceCountIs("AWS::EC2::VPC", 0);
        Resources(stack, "AWS::EC2::VPCEndpoint").Should().BeEmpty("the imported API endpoint is used, and the construct adds nothing to your VPC");
        ((JsonArray)Single(stack, "AWS::ECS::Service")["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]!).Select(n => (string)n!)
            .Should().Equal("subnet-0123456789abcdef0", "subnet-0123456789abcdef1");
        settlement.Vpc!.VpcId.Should().Be("vpc-0123456789abcdef0");
    }

    [Fact]
    public void Container_mode_with_a_private_api_puts_the_endpoint_in_the_containers_vpc()
    {
        var (stack, _, _) = Settlement(s => new EventDrivenSettlementProps { ContainerImage = Image(s), EnableRestApi = true, ApiEndpointType = EndpointType.PRIVATE });
        Resources(stack, "AWS::EC2::VPCEndpoint").Should().Contain(e => e.Properties["ServiceName"]!.ToJsonString() == "\"com.amazonaws.eu-west-1.execute-api\"");
    }

    public static TheoryData<string> Modes() => new() { "defaults", "rest", "private-rest", "container", "container-rest", "kms" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Only_the_outbox_pipes_role_may_put_events_and_only_on_this_bus(string mode)
    {
        var (stack, _, _) = Settlement(s => mode switch
        {
            "rest" => new EventDrivenSettlementProps { EnableRestApi = true },
            "private-rest" => EventDrivenSettlementSnapshotTests.FullyCustomised(s),
            "container" => new EventDrivenSettlementProps { ContainerImage = Image(s) },
            "container-rest" => new EventDrivenSettlementProps { ContainerImage = Image(s), EnableRestApi = true },
            "kms" => new EventDrivenSettlementProps { TableEncryptionKey = new Key(s, "Key") },
            _ => new EventDrivenSettlementProps(),
        });
        var putters = AllStatements(stack).Where(s => s.Statement.Actions.Any(a => a is "events:PutEvents" or "events:*" or "*")).ToList();
        putters.Should().ContainSingle();
        putters.Single().Roles.Should().Contain("SettlementPipeRole");
        putters.Single().Statement.Actions.Should().Equal("events:PutEvents");
        var template = TestApp.Json(stack);
        template.Should().NotContain("\"Action\":\"*\"");
        foreach (var (roles, statement) in AllStatements(stack).Where(s => !s.Roles.Contains("PipeRole", StringComparison.Ordinal)))
        {
            statement.Actions.Should().NotContain(a => a.StartsWith("events:", StringComparison.Ordinal), roles);
        }
    }

    [Fact]
    public void Each_role_has_only_the_actions_it_needs()
    {
        var (stack, _, _) = Settlement(new EventDrivenSettlementProps { EnableRestApi = true });
        List<string> Actions(string role) => PolicyStatements.Of(stack, role).SelectMany(p => p.Actions).Where(a => !a.StartsWith("logs:", StringComparison.Ordinal)).Order().ToList();
        Actions("ConsumerFunctionRole").Should().Equal("dynamodb:GetItem", "dynamodb:PutItem", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
            "sqs:GetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage");
        Actions("ApiFunctionRole").Should().Equal("dynamodb:GetItem", "dynamodb:PutItem");
        Actions("PipeRole").Should().Equal("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
            "events:PutEvents", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage");
        PolicyStatements.Of(stack, "ConsumerFunctionRole").Where(p => p.Actions.Contains("dynamodb:PutItem")).Should().OnlyContain(p => p.Resources.Count == 1,
            "the table itself: no index, no stream, no other table");
        PolicyStatements.Of(stack, "PipeRole").Single(p => p.Actions.Contains("sqs:SendMessage")).Resources.Single().Should().Contain("SettlementPipeDeadLetterQueue");
    }

    [Fact]
    public void Tuning_props_keep_the_logical_ids_of_the_core_resources()
    {
        static HashSet<string> Ids(EventDrivenSettlementProps props) =>
            Settlement(props).Template.ToJSON()["Resources"] is IDictionary<string, object> resources ? resources.Keys.ToHashSet() : [];
        var core = Ids(new EventDrivenSettlementProps());
        var tuned = Ids(new EventDrivenSettlementProps
        {
            EnableRestApi = true, ArchiveRetention = Duration.Days(7), ConsumerMemorySize = 2048, MaxReceiveCount = 4, Currency = "EUR", CreateAlarms = false,
        });
        core.Where(id => !id.Contains("Alarm", StringComparison.Ordinal)).Should().BeSubsetOf(tuned);
    }
}
