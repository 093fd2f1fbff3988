using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.EventDrivenSettlement;
using Xunit;
using static Patterns.Cdk.Tests.SettlementSynth;

namespace Patterns.Cdk.Tests;

/// <summary>EventDrivenSettlement with no props: the secure defaults, the outbox, the contracts and least privilege.</summary>
public class EventDrivenSettlementDefaultsTests
{
    /// <summary>The outbox's input template, exactly as the lead's design (settlement-design.md) spells it.</summary>
    private const string DesignInputTemplate =
        "{\"schemaVersion\":1,\"settlementId\":\"<$.dynamodb.NewImage.settlementId.S>\",\"claimId\":\"<$.dynamodb.NewImage.claimId.S>\"," +
        "\"customerId\":\"<$.dynamodb.NewImage.customerId.S>\",\"documentType\":\"<$.dynamodb.NewImage.documentType.S>\"," +
        "\"damageLevel\":\"<$.dynamodb.NewImage.damageLevel.S>\",\"payoutAmount\":\"<$.dynamodb.NewImage.payoutAmount.S>\"," +
        "\"outOfPocketAmount\":\"<$.dynamodb.NewImage.outOfPocketAmount.S>\",\"currency\":\"<$.dynamodb.NewImage.currency.S>\"," +
        "\"correlationId\":\"<$.dynamodb.NewImage.correlationId.S>\",\"finalizedAt\":\"<$.dynamodb.NewImage.finalizedAt.S>\"}";

    [Fact]
    public void A_new_bus_is_created_with_a_generated_name_and_exposed()
    {
        var (stack, settlement, t) = Settlement();
        t.ResourceCountIs("AWS::Events::EventBus", 1);
        stack.Resolve(settlement.EventBus.EventBusName).Should().BeEquivalentTo(Props(("Ref", Resources(stack, "AWS::Events::EventBus").Single().Id)));
        t.ResourceCountIs("AWS::Events::Archive", 0);
        settlement.Archive.Should().BeNull();
    }

    [Fact]
    public void The_input_rule_matches_fraud_not_detected_and_sends_the_envelope_to_the_queue_with_its_own_dead_letter_queue_and_retries()
    {
        var (stack, settlement, t) = Settlement();
        var rule = Single(stack, "AWS::Events::Rule");
        rule["EventPattern"]!.ToJsonString().Should().Be("{\"detail-type\":[\"Fraud.Not.Detected\"],\"source\":[\"fraud.service\"]}");
        var target = rule["Targets"]!.AsArray().Single()!;
        target["Input"].Should().BeNull("the whole EventBridge envelope (id, source, detail) is the message");
        Canon(target["RetryPolicy"]).Should().Be("{\"MaximumEventAgeInSeconds\":86400,\"MaximumRetryAttempts\":185}");
        target["Arn"]!.ToJsonString().Should().Contain(LogicalId(stack, settlement.Queue));
        target["DeadLetterConfig"]!["Arn"]!.ToJsonString().Should().Contain(LogicalId(stack, settlement.RuleDeadLetterQueue));
        var allowEvents = Match.ObjectLike(Props(("Action", "sqs:SendMessage"), ("Principal", Props(("Service", "events.amazonaws.com"))),
            ("Resource", Props(("Fn::GetAtt", new object[] { LogicalId(stack, settlement.RuleDeadLetterQueue), "Arn" })))));
        t.HasResourceProperties("AWS::SQS::QueuePolicy", Props(("PolicyDocument", Match.ObjectLike(Props(("Statement", Match.ArrayWith(new object[] { allowEvents })))))));
    }

    [Fact]
    public void Every_queue_is_encrypted_and_tls_only_and_the_work_queue_redrives_after_three_receives()
    {
        var (stack, settlement, t) = Settlement();
        var queues = Resources(stack, "AWS::SQS::Queue");
        queues.Should().HaveCount(4, "the work queue and three dead-letter queues (input, rule, pipe)");
        queues.Should().OnlyContain(q => (bool)q.Properties["SqsManagedSseEnabled"]!);
        var tlsOnly = Resources(stack, "AWS::SQS::QueuePolicy").Where(p => p.Properties.ToJsonString().Contains("aws:SecureTransport", StringComparison.Ordinal));
        tlsOnly.Should().HaveCount(4);
        t.HasResourceProperties("AWS::SQS::Queue", Props(
            ("VisibilityTimeout", 180),
            ("RedrivePolicy", Props(("maxReceiveCount", 3), ("deadLetterTargetArn", Props(("Fn::GetAtt", new object[] { LogicalId(stack, settlement.DeadLetterQueue), "Arn" })))))));
        var deadLetterIds = new[] { settlement.DeadLetterQueue, settlement.RuleDeadLetterQueue, settlement.PipeDeadLetterQueue }.Select(q => LogicalId(stack, q)).ToList();
        deadLetterIds.Should().OnlyHaveUniqueItems().And.NotContain(LogicalId(stack, settlement.Queue));
        queues.Where(q => deadLetterIds.Contains(q.Id)).Should().HaveCount(3).And.OnlyContain(q => (double)q.Properties["MessageRetentionPeriod"]! == 1209600, "14 days to inspect and redrive");
    }

    [Fact]
    public void The_bundled_consumer_is_an_arm64_native_bootstrap_with_the_designs_environment_and_a_bounded_event_source()
    {
        var (stack, _, t) = Settlement();
        var functions = Resources(stack, "AWS::Lambda::Function");
        functions.Should().ContainSingle("no REST API by default");
        var consumer = functions.Single().Properties;
        ((string)consumer["Handler"]!).Should().Be("SettlementConsumer");
        ((string)consumer["Runtime"]!).Should().Be("provided.al2023");
        consumer["Architectures"]!.AsArray().Select(a => (string?)a).Should().Equal("arm64");
        ((string)consumer["RecursiveLoop"]!).Should().Be("Terminate");
        var env = Environment(stack, "ConsumerFunction");
        env.Select(e => e.Key).Should().BeEquivalentTo("LOG_LEVEL", "SETTLEMENT_TABLE", "SETTLEMENT_RULES", "DEAD_LETTER_QUEUE_URL", "MAX_RECEIVE_COUNT");
        ((string)env["MAX_RECEIVE_COUNT"]!).Should().Be("3");
        ((string)env["SETTLEMENT_RULES"]!).Should().Be(
            "{\"currency\":\"USD\",\"deductibles\":[{\"documentType\":\"CAR\",\"damageLevel\":\"MINOR\",\"amount\":\"250.00\"}," +
            "{\"documentType\":\"CAR\",\"damageLevel\":\"MODERATE\",\"amount\":\"500.00\"},{\"documentType\":\"CAR\",\"damageLevel\":\"SEVERE\",\"amount\":\"1000.00\"}," +
            "{\"documentType\":\"CAR\",\"damageLevel\":\"TOTAL_LOSS\",\"amount\":\"500.00\"}]}");
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(
            ("BatchSize", 10), ("FunctionResponseTypes", new[] { "ReportBatchItemFailures" }), ("ScalingConfig", Props(("MaximumConcurrency", 10)))));
        t.HasResourceProperties("AWS::Lambda::Function", Props(("Timeout", 30), ("MemorySize", 512)));
    }

    [Fact]
    public void The_table_is_keyed_by_claim_id_on_demand_recoverable_encrypted_with_an_aws_owned_key_retained_and_streams_new_images()
    {
        var (_, settlement, t) = Settlement();
        t.HasResource("AWS::DynamoDB::Table", Props(
            ("DeletionPolicy", "Retain"),
            ("UpdateReplacePolicy", "Retain"),
            ("Properties", Props(
                ("KeySchema", new object[] { Props(("AttributeName", "claimId"), ("KeyType", "HASH")) }),
                ("AttributeDefinitions", new object[] { Props(("AttributeName", "claimId"), ("AttributeType", "S")) }),
                ("BillingMode", "PAY_PER_REQUEST"),
                ("PointInTimeRecoverySpecification", Props(("PointInTimeRecoveryEnabled", true))),
                ("SSESpecification", Props(("SSEEnabled", false))),
                ("StreamSpecification", Props(("StreamViewType", "NEW_IMAGE")))))));
        settlement.Table.TableStreamArn.Should().NotBeNull();
    }

    [Fact]
    public void The_outbox_pipe_publishes_only_inserts_as_settlement_finalized_with_the_designs_template_retries_and_dead_letter_queue()
    {
        var (stack, settlement, _) = Settlement();
        var pipe = Single(stack, "AWS::Pipes::Pipe");
        var source = pipe["SourceParameters"]!;
        source["FilterCriteria"]!["Filters"]!.AsArray().Select(f => (string)f!["Pattern"]!).Should().Equal("{\"eventName\":[\"INSERT\"]}");
        var stream = source["DynamoDBStreamParameters"]!;
        ((string)stream["StartingPosition"]!).Should().Be("TRIM_HORIZON");
        ((double)stream["BatchSize"]!).Should().Be(10);
        ((double)stream["MaximumRetryAttempts"]!).Should().Be(10);
        ((double)stream["MaximumRecordAgeInSeconds"]!).Should().Be(3600);
        stream["DeadLetterConfig"]!["Arn"]!.ToJsonString().Should().Contain(LogicalId(stack, settlement.PipeDeadLetterQueue));
        pipe["Source"]!.ToJsonString().Should().Be($"{{\"Fn::GetAtt\":[\"{LogicalId(stack, settlement.Table)}\",\"StreamArn\"]}}");
        pipe["Target"]!.ToJsonString().Should().Be($"{{\"Fn::GetAtt\":[\"{Resources(stack, "AWS::Events::EventBus").Single().Id}\",\"Arn\"]}}");
        var target = pipe["TargetParameters"]!;
        ((string)target["InputTemplate"]!).Should().Be(DesignInputTemplate);
        target["EventBridgeEventBusParameters"]!.ToJsonString().Should().Be("{\"DetailType\":\"Settlement.Finalized\",\"Source\":\"settlement.service\"}");
        pipe["LogConfiguration"]!["Level"]!.GetValue<string>().Should().Be("ERROR");
        pipe["LogConfiguration"]!["IncludeExecutionData"].Should().BeNull("claim data never reaches the logs");
    }

    [Fact]
    public void The_input_template_renders_a_detail_with_exactly_the_output_contracts_fields()
    {
        var contract = JsonNode.Parse(File.ReadAllText(ContractPath(SettlementContracts.OutputFile)))!;
        // Every placeholder filled the way the Pipe fills it from a NEW_IMAGE (a quoted string value).
        var rendered = System.Text.RegularExpressions.Regex.Replace(DesignInputTemplate, "<\\$\\.dynamodb\\.NewImage\\.([A-Za-z]+)\\.S>", m => "v-" + m.Groups[1].Value);
        var detail = JsonNode.Parse(rendered)!.AsObject();
        var properties = contract["properties"]!.AsObject().Select(p => p.Key).ToList();
        detail.Select(p => p.Key).Should().BeEquivalentTo(properties, "the contract is closed (additionalProperties false)");
        contract["required"]!.AsArray().Select(r => (string)r!).Should().BeEquivalentTo(properties, "every field of the contract is required and rendered");
        detail["schemaVersion"]!.GetValue<int>().Should().Be(1, "the only number: a literal, as the contract's enum [1]");
        detail.Where(p => p.Key != "schemaVersion").Should().OnlyContain(p => p.Value!.GetValueKind() == System.Text.Json.JsonValueKind.String);
        contract["additionalProperties"]!.ToJsonString().Should().Be("false");
    }

    [Fact]
    public void The_schema_registry_publishes_both_contracts_as_draft_4_json_schemas()
    {
        var (stack, settlement, t) = Settlement();
        t.ResourceCountIs("AWS::EventSchemas::Registry", 1);
        var schemas = Resources(stack, "AWS::EventSchemas::Schema");
        schemas.Select(s => (string)s.Properties["SchemaName"]!).Should().BeEquivalentTo("fraud.service@Fraud.Not.Detected", "settlement.service@Settlement.Finalized");
        schemas.Should().OnlyContain(s => (string)s.Properties["Type"]! == "JSONSchemaDraft4");
        schemas.Should().OnlyContain(s => s.Properties["RegistryName"]!.ToJsonString() == $"{{\"Fn::GetAtt\":[\"{LogicalId(stack, settlement.SchemaRegistry)}\",\"RegistryName\"]}}");
        schemas.Should().OnlyContain(s => ((string)s.Properties["Content"]!).Length <= 100_000, "the registry takes at most 100,000 characters");
    }

    [Fact]
    public void The_registry_content_the_api_model_and_the_handlers_embedded_schema_are_the_same_document()
    {
        var (stack, _, _) = Settlement(new EventDrivenSettlementProps { EnableRestApi = true });
        var schemas = Resources(stack, "AWS::EventSchemas::Schema").ToDictionary(s => (string)s.Properties["SchemaName"]!, s => (string)s.Properties["Content"]!);
        var model = Single(stack, "AWS::ApiGateway::Model")["Schema"]!;
        foreach (var (file, schemaName) in new[]
                 {
                     (SettlementContracts.InputFile, "fraud.service@Fraud.Not.Detected"),
                     (SettlementContracts.OutputFile, "settlement.service@Settlement.Finalized"),
                 })
        {
            var repository = File.ReadAllText(ContractPath(file));
            var document = JsonNode.Parse(repository)!;
            document["$schema"].Should().BeNull("the repository's copy has no $schema: the handler's validator reads draft 6+, the registry and API Gateway draft 4");

            // 1. The registry: the repository's document plus draft-04 $schema, nothing else.
            var registry = JsonNode.Parse(schemas[schemaName])!.AsObject();
            ((string)registry["$schema"]!).Should().Be("http://json-schema.org/draft-04/schema#");
            registry.Remove("$schema");
            JsonNode.DeepEquals(registry, document).Should().BeTrue($"the registry publishes {file} unchanged");

            // 2. The handler: its bootstrap carries the file's exact text (an embedded resource of the AOT executable keeps
            // the UTF-8 bytes; a string literal compiled in would be UTF-16).
            var bootstrap = BundledFile("event-driven-settlement.zip", "bootstrap");
            (Contains(bootstrap, Encoding.UTF8.GetBytes(repository)) || Contains(bootstrap, Encoding.Unicode.GetBytes(repository)))
                .Should().BeTrue($"the handler embeds {file} unchanged");

            // The construct assembly's linked copy is the same file.
            (file == SettlementContracts.InputFile ? SettlementContracts.InputSchemaText : SettlementContracts.OutputSchemaText).Should().Be(repository);
        }

        // 3. The API model: the input contract plus draft-04 $schema.
        var modelSchema = JsonNode.Parse(model.ToJsonString())!.AsObject();
        ((string)modelSchema["$schema"]!).Should().Be("http://json-schema.org/draft-04/schema#");
        modelSchema.Remove("$schema");
        JsonNode.DeepEquals(Normalized(modelSchema), Normalized(JsonNode.Parse(File.ReadAllText(ContractPath(SettlementContracts.InputFile)))!)).Should().BeTrue(
            "the request model is the input contract");
    }

    [Fact]
    public void There_is_no_rest_api_unless_enabled()
    {
        var (_, settlement, t) = Settlement();
        t.FindResources("AWS::ApiGateway::RestApi").Should().BeEmpty();
        settlement.Api.Should().BeNull();
        settlement.ApiFunction.Should().BeNull();
        settlement.ApiUrl.Should().BeNull();
        var grantee = new Amazon.CDK.AWS.IAM.Role(Stack.Of(settlement), "Caller", new Amazon.CDK.AWS.IAM.RoleProps { AssumedBy = new Amazon.CDK.AWS.IAM.AccountRootPrincipal() });
        new Action(() => settlement.GrantSubmit(grantee)).Should().Throw<InvalidOperationException>().WithMessage("*EnableRestApi*");
        new Action(() => settlement.GrantRead(grantee)).Should().Throw<InvalidOperationException>().WithMessage("*EnableRestApi*");
    }

    [Fact]
    public void Alarms_cover_the_three_dead_letter_queues_the_consumer_the_backlog_and_the_pipe()
    {
        var (stack, settlement, _) = Settlement();
        var alarms = Resources(stack, "AWS::CloudWatch::Alarm");
        alarms.Select(a => a.Id).Should().HaveCount(7);
        settlement.Alarms.Should().HaveCount(7);
        alarms.Count(a => (string?)a.Properties["MetricName"] == "ApproximateNumberOfMessagesVisible").Should().Be(3);
        alarms.Should().Contain(a => (string?)a.Properties["MetricName"] == "ApproximateAgeOfOldestMessage" && (double)a.Properties["Threshold"]! == 600);
        alarms.Should().Contain(a => (string?)a.Properties["MetricName"] == "ExecutionFailed" && (string?)a.Properties["Namespace"] == "AWS/EventBridge/Pipes");
        alarms.Should().Contain(a => (string?)a.Properties["MetricName"] == "Errors" && (string?)a.Properties["Namespace"] == "AWS/Lambda");
        alarms.Should().Contain(a => a.Properties["Metrics"] != null && a.Properties["Metrics"]!.ToJsonString().Contains("Throttles", StringComparison.Ordinal));
        alarms.Should().OnlyContain(a => (string)a.Properties["TreatMissingData"]! == "notBreaching");
    }

    [Fact]
    public void MetricSettlementsFinalized_counts_the_events_the_outbox_pipe_published()
    {
        var (stack, settlement, _) = Settlement();
        var metric = settlement.MetricSettlementsFinalized();
        metric.Namespace.Should().Be("AWS/EventBridge/Pipes");
        metric.MetricName.Should().Be("EventCount");
        metric.Statistic.Should().Be("Sum");
        metric.Period.ToMinutes().Should().Be(5);
        stack.Resolve(metric.Dimensions!["PipeName"]).Should().BeEquivalentTo(Props(("Ref", LogicalId(stack, settlement.OutboxPipe))));
        settlement.MetricSettlementsFinalized(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Hours(1) }).Period.ToHours().Should().Be(1);
        settlement.MetricPipeFailures().MetricName.Should().Be("ExecutionFailed");
        settlement.MetricBacklogAge().MetricName.Should().Be("ApproximateAgeOfOldestMessage");
        settlement.MetricConsumerErrors()!.MetricName.Should().Be("Errors");
        settlement.MetricApiErrors().Should().BeNull();
        settlement.MetricFunctionThrottles().Should().NotBeNull();
        new[] { settlement.MetricDeadLetterMessages(), settlement.MetricRuleDeadLetterMessages(), settlement.MetricPipeDeadLetterMessages() }
            .Should().OnlyContain(m => m.MetricName == "ApproximateNumberOfMessagesVisible");
    }

    [Fact]
    public void Every_function_of_the_template_is_a_bundled_handler_from_the_table()
    {
        foreach (var props in new EventDrivenSettlementProps[] { new(), new() { EnableRestApi = true } })
        {
            var (stack, _, _) = Settlement(props);
            foreach (var (_, function) in Resources(stack, "AWS::Lambda::Function"))
            {
                BundledHandlers.All.Where(h => h.ZipName == "event-driven-settlement.zip").Select(h => h.Handler).Should().Contain((string)function["Handler"]!);
            }
        }
    }

    internal static string LogicalId(Stack stack, Constructs.IConstruct construct) =>
        stack.GetLogicalId((CfnElement)(construct as CfnElement ?? construct.Node.DefaultChild!));

    internal static string ContractPath(string file) =>
        Path.Combine(TestApp.RepoRoot(), "src", "Functions", "EventDrivenSettlement", "Contracts", file);

    private static byte[] BundledFile(string zipName, string entry)
    {
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded(zipName)));
        using var stream = zip.GetEntry(entry)!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>Numbers as doubles (the template carries 1 as 1.0 through jsii), so documents compare by value.</summary>
    private static JsonNode? Normalized(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Normalized(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Normalized).ToArray()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => JsonValue.Create(v.GetValue<double>()),
        _ => node?.DeepClone(),
    };
}
