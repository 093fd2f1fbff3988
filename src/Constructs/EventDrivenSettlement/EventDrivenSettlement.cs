using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ECS.Patterns;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.EventSchemas;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.Pipes;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>
/// Subscribes a settlement service to the fraud domain's <c>Fraud.Not.Detected</c> events and publishes exactly one
/// settlement row and one <c>Settlement.Finalized</c> per claim, even with duplicate deliveries and retries: a rule sends
/// the events to an SQS work queue; the bundled settlement function (or, in brownfield container mode, your own service
/// on Fargate) validates each against the published contract, computes the settlement and writes it with a conditional
/// put keyed by the claim id; an EventBridge Pipe from the table's stream (the outbox) publishes the event. The event
/// contracts are published in a schema registry; an optional IAM-authorized REST API runs the same logic. See
/// docs/EventDrivenSettlement.md.
/// </summary>
public class EventDrivenSettlement : Construct
{
    private const string Name = nameof(EventDrivenSettlement);

    /// <summary>Default timeout of the settlement function (the work queue's visibility timeout is 6 x this).</summary>
    public static readonly Duration DefaultConsumerTimeout = Duration.Seconds(30);

    /// <summary>Default currency of every amount.</summary>
    public const string DefaultCurrency = "USD";

    /// <summary>Default CPU units of a container task.</summary>
    public const double DefaultContainerCpu = 512;

    /// <summary>Default memory of a container task in MiB.</summary>
    public const double DefaultContainerMemory = 1024;

    /// <summary>Default most running container tasks.</summary>
    public const double DefaultContainerMaxCapacity = 4;

    /// <summary>Age of the oldest waiting claim (seconds) at which the backlog alarm fires.</summary>
    public const double BacklogAgeAlarmSeconds = 600;

    /// <summary>The default deductible table: car claims only.</summary>
    public static IReadOnlyList<Deductible> DefaultDeductibles { get; } =
    [
        new Deductible { DocumentType = "CAR", DamageLevel = "MINOR", Amount = 250m },
        new Deductible { DocumentType = "CAR", DamageLevel = "MODERATE", Amount = 500m },
        new Deductible { DocumentType = "CAR", DamageLevel = "SEVERE", Amount = 1000m },
        new Deductible { DocumentType = "CAR", DamageLevel = "TOTAL_LOSS", Amount = 500m },
    ];

    /// <summary>The bus events arrive on and <c>Settlement.Finalized</c> is published to.</summary>
    public IEventBus EventBus { get; }

    /// <summary>The archive of the bus's settlement events; null without <see cref="EventDrivenSettlementProps.ArchiveRetention"/>.</summary>
    public Archive? Archive { get; }

    /// <summary>The rule that sends <c>Fraud.Not.Detected</c> events to the work queue.</summary>
    public IRule InputRule { get; }

    /// <summary>The work queue: one message per input event (the whole EventBridge envelope).</summary>
    public IQueue Queue { get; }

    /// <summary>Input messages that kept failing, and those parked at once with a reason (contract violations, conflicting claims, claims no deductible applies to).</summary>
    public IQueue DeadLetterQueue { get; }

    /// <summary>Events the input rule could not deliver to the work queue.</summary>
    public IQueue RuleDeadLetterQueue { get; }

    /// <summary>Stream batches the outbox pipe could not publish (their shard and sequence numbers; the rows stay in the table).</summary>
    public IQueue PipeDeadLetterQueue { get; }

    /// <summary>The settlement table (partition key <c>claimId</c>, NEW_IMAGE stream).</summary>
    public ITable Table { get; }

    /// <summary>The outbox: an EventBridge Pipe from the table's stream to the bus.</summary>
    public CfnPipe OutboxPipe { get; }

    /// <summary>The outbox pipe's role: the only principal of the pattern with <c>events:PutEvents</c>.</summary>
    public IRole PipeRole { get; }

    /// <summary>The schema registry holding both contracts.</summary>
    public CfnRegistry SchemaRegistry { get; }

    /// <summary>The <c>Fraud.Not.Detected</c> detail schema (JSONSchemaDraft4).</summary>
    public CfnSchema InputSchema { get; }

    /// <summary>The <c>Settlement.Finalized</c> detail schema (JSONSchemaDraft4).</summary>
    public CfnSchema OutputSchema { get; }

    /// <summary>The bundled settlement function; null in container mode.</summary>
    public IFunction? ConsumerFunction { get; }

    /// <summary>Container mode's queue-processing Fargate service; null without <see cref="EventDrivenSettlementProps.ContainerImage"/>.</summary>
    public QueueProcessingFargateService? ContainerService { get; }

    /// <summary>The VPC of container mode's tasks and of a PRIVATE API's endpoint (given or created); null when neither is configured.</summary>
    public IVpc? Vpc { get; }

    /// <summary>The REST API; null without <see cref="EventDrivenSettlementProps.EnableRestApi"/>.</summary>
    public IRestApi? Api { get; }

    /// <summary>The REST API's stage URL (<c>https://{id}.execute-api.{region}.amazonaws.com/prod/</c>); null without the API.</summary>
    public string? ApiUrl { get; }

    /// <summary>The <c>execute-api</c> endpoint of a PRIVATE API (given or created); null otherwise.</summary>
    public IInterfaceVpcEndpoint? ApiVpcEndpoint { get; }

    /// <summary>The bundled REST API function; null without the API.</summary>
    public IFunction? ApiFunction { get; }

    /// <summary>The alarms created.</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>Creates the settlement service.</summary>
    public EventDrivenSettlement(Construct scope, string id, EventDrivenSettlementProps? props = null)
        : base(scope, id)
    {
        props ??= new EventDrivenSettlementProps();
        EventDrivenSettlementValidation.Validate(props);
        var containerMode = props.ContainerImage is not null;
        var consumerTimeout = props.ConsumerTimeout ?? DefaultConsumerTimeout;
        var logRetention = props.LogRetention ?? RetentionDays.THREE_MONTHS;
        var logLevel = (props.LogLevel ?? "INFO").ToUpperInvariant();
        var rules = RulesJson(props.Currency ?? DefaultCurrency, props.Deductibles ?? DefaultDeductibles);
        EmitWarnings(props);

        // Resources: existing or created through the Core builders.
        EventBus = props.ExistingEventBus ?? new Amazon.CDK.AWS.Events.EventBus(this, "EventBus", props.EventBusProps);
        Table = props.ExistingTable ?? CreateTable(props);
        DeadLetterQueue = SecureQueue.CreateDeadLetterQueue(this, "DeadLetterQueue");
        // One value for the redrive policy and the consumer's MAX_RECEIVE_COUNT (it parks a claim itself, with the reason, on that receive).
        var maxReceiveCount = props.MaxReceiveCount ?? 3;
        var queue = SecureQueue.Create(this, "Queue", props.QueueProps, EventDrivenSettlementValidation.SizingTimeout(props), DeadLetterQueue,
            maxReceiveCount, Name);
        Queue = queue;
        RuleDeadLetterQueue = SecureQueue.CreateDeadLetterQueue(this, "RuleDeadLetterQueue");
        PipeDeadLetterQueue = SecureQueue.CreateDeadLetterQueue(this, "PipeDeadLetterQueue");
        if (props.ArchiveRetention is { } retention)
        {
            Archive = new Archive(this, "Archive", new ArchiveProps
            {
                SourceEventBus = EventBus,
                Description = "Fraud.Not.Detected and Settlement.Finalized events, for replay (replaying inputs is idempotent).",
                Retention = retention,
                EventPattern = new EventPattern
                {
                    Source = [.. InputPattern(props).Source ?? [], SettlementContracts.OutputSource],
                    DetailType = [.. InputPattern(props).DetailType ?? [], SettlementContracts.OutputDetailType],
                },
            });
        }

        var contracts = CreateSchemaRegistry();
        SchemaRegistry = contracts.Registry;
        InputSchema = contracts.Input;
        OutputSchema = contracts.Output;

        // The consumer: the bundled function, or the user's container.
        var settlementEnvironment = new Dictionary<string, string>
        {
            ["SETTLEMENT_TABLE"] = Table.TableName,
            ["SETTLEMENT_RULES"] = rules,
        };
        var consumerEnvironment = new Dictionary<string, string>(settlementEnvironment)
        {
            ["DEAD_LETTER_QUEUE_URL"] = DeadLetterQueue.QueueUrl,
            ["MAX_RECEIVE_COUNT"] = maxReceiveCount.ToString(CultureInfo.InvariantCulture),
        };
        if (containerMode)
        {
            Vpc = props.ExistingVpc ?? ContainerConsumer.CreateVpc(this, logRetention);
            var environment = new Dictionary<string, string>(props.ContainerEnvironment ?? new Dictionary<string, string>());
            foreach (var (key, value) in consumerEnvironment)
            {
                environment[key] = value;
            }

            environment["QUEUE_URL"] = Queue.QueueUrl;
            environment["LOG_LEVEL"] = logLevel;
            ContainerService = ContainerConsumer.Create(this, Vpc, queue, new ContainerSettings(
                props.ContainerImage!, props.ExistingVpc, props.ContainerCpu ?? DefaultContainerCpu, props.ContainerMemoryLimitMiB ?? DefaultContainerMemory,
                props.ContainerMinCapacity ?? 0, props.ContainerMaxCapacity ?? DefaultContainerMaxCapacity, props.ContainerSpotWeight ?? 2,
                props.ContainerOnDemandWeight ?? 1, environment, logRetention));
        }
        else
        {
            Vpc = props.ExistingVpc;
            ConsumerFunction = Function(props, "ConsumerFunction", BundledHandlers.SettlementConsumer,
                "EventDrivenSettlement consumer: validates each Fraud.Not.Detected event and writes its settlement with a conditional put.",
                props.ConsumerMemorySize, consumerTimeout, consumerEnvironment);
        }

        if (props.EnableRestApi == true)
        {
            ApiFunction = Function(props, "ApiFunction", BundledHandlers.SettlementApi,
                "EventDrivenSettlement REST API: POST /settlements and GET /settlements/{claimId}, the same logic and conditional put as the events.",
                props.ApiMemorySize, Duration.Seconds(10), settlementEnvironment);
        }

        // Wiring: the input rule, the consumer's event source, the outbox, the API.
        var inputRule = new Rule(this, "InputRule", new RuleProps
        {
            EventBus = EventBus,
            EventPattern = InputPattern(props),
            Description = "Sends the fraud domain's Fraud.Not.Detected events to the settlement work queue.",
        });
        InputRule = inputRule;
        inputRule.AddTarget(new SqsQueue(queue, new SqsQueueProps
        {
            DeadLetterQueue = RuleDeadLetterQueue,
            RetryAttempts = 185,
            MaxEventAge = Duration.Hours(24),
        }));
        ConsumerFunction?.AddEventSource(new SqsEventSource(queue, new SqsEventSourceProps
        {
            BatchSize = 10,
            ReportBatchItemFailures = true,
            MaxConcurrency = props.ConsumerMaxConcurrency ?? 10,
        }));
        var pipeLogs = new LogGroup(this, "PipeLogs", new Amazon.CDK.AWS.Logs.LogGroupProps { Retention = logRetention, RemovalPolicy = RemovalPolicy.RETAIN });
        var (pipe, pipeRole) = Outbox.Create(this, Table, EventBus, PipeDeadLetterQueue, pipeLogs);
        OutboxPipe = pipe;
        PipeRole = pipeRole;
        if (ApiFunction is not null)
        {
            var endpointType = props.ApiEndpointType ?? EndpointType.REGIONAL;
            if (endpointType == EndpointType.PRIVATE)
            {
                ApiVpcEndpoint = props.ExistingApiVpcEndpoint ?? new InterfaceVpcEndpoint(this, "ApiEndpoint", new InterfaceVpcEndpointProps
                {
                    Vpc = Vpc!,
                    Service = InterfaceVpcEndpointAwsService.APIGATEWAY,
                    PrivateDnsEnabled = true,
                    Open = true,
                });
            }

            var api = SettlementRestApi.Create(this, ApiFunction, new RestApiSettings(endpointType, ApiVpcEndpoint, props.ApiRateLimit ?? 50,
                props.ApiBurstLimit ?? 100, props.EnableTracing ?? false, props.ApiCloudWatchRole ?? false, logRetention));
            Api = api;
            ApiUrl = api.Url;
        }

        // Least privilege: exact item actions on the table, the dead-letter queue for parked messages; the outbox's role
        // (Outbox.Create) is the only one with events:PutEvents.
        if (ConsumerFunction is not null)
        {
            GrantSettlementWrites(ConsumerFunction);
            DeadLetterQueue.GrantSendMessages(ConsumerFunction);
            CommonSuppressions.SqsEventSources(ConsumerFunction);
        }

        if (ContainerService is not null)
        {
            GrantSettlementWrites(ContainerService.TaskDefinition.TaskRole);
            DeadLetterQueue.GrantSendMessages(ContainerService.TaskDefinition.TaskRole);
        }

        if (ApiFunction is not null)
        {
            GrantSettlementWrites(ApiFunction);
        }

        CdkHelperFunctions.Harden(this);
        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props) : [];
        Suppressions.Apply(this, props.EnableTracing ?? false);
    }

    /// <summary>Lets <paramref name="grantee"/> submit settlements over REST (execute-api:Invoke on <c>POST /settlements</c>).</summary>
    /// <exception cref="InvalidOperationException">The REST API is not enabled.</exception>
    public Grant GrantSubmit(IGrantable grantee) => GrantInvoke(grantee, "POST", "/settlements");

    /// <summary>Lets <paramref name="grantee"/> read settlements over REST (execute-api:Invoke on <c>GET /settlements/*</c>).</summary>
    /// <exception cref="InvalidOperationException">The REST API is not enabled.</exception>
    public Grant GrantRead(IGrantable grantee) => GrantInvoke(grantee, "GET", "/settlements/*");

    /// <summary>
    /// Lets <paramref name="grantee"/> read the settlement table directly (GetItem, Query, Scan, BatchGetItem and the
    /// table's description; the key's Decrypt for a customer-managed key). To react to settlements, subscribe to
    /// <c>Settlement.Finalized</c> on the bus instead.
    /// </summary>
    public Grant GrantTableRead(IGrantable grantee) => Table.GrantReadData(grantee);

    /// <summary>
    /// Settlements published: events the outbox pipe processed (one per new settlement row; a redelivery after an
    /// infrastructure retry counts again). Sum over five minutes by default.
    /// </summary>
    public Metric MetricSettlementsFinalized(IMetricOptions? options = null) => PipeMetric("EventCount", options);

    /// <summary>Failed executions of the outbox pipe (each is retried; what still fails reaches its dead-letter queue). Sum over five minutes by default.</summary>
    public Metric MetricPipeFailures(IMetricOptions? options = null) => PipeMetric("ExecutionFailed", options);

    /// <summary>Input messages parked in, or moved to, the dead-letter queue (maximum over one minute by default).</summary>
    public Metric MetricDeadLetterMessages(IMetricOptions? options = null) =>
        DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Events the input rule could not deliver (maximum over one minute by default).</summary>
    public Metric MetricRuleDeadLetterMessages(IMetricOptions? options = null) =>
        RuleDeadLetterQueue.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Stream batches the outbox could not publish (maximum over one minute by default).</summary>
    public Metric MetricPipeDeadLetterMessages(IMetricOptions? options = null) =>
        PipeDeadLetterQueue.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Age of the oldest claim waiting in the work queue (maximum over one minute by default).</summary>
    public Metric MetricBacklogAge(IMetricOptions? options = null) => Queue.MetricApproximateAgeOfOldestMessage(options ?? AlarmFactory.Max1Min);

    /// <summary>Errors of the bundled settlement function (whole failed invocations; single records reported as batch item failures are not errors). Null in container mode.</summary>
    public Metric? MetricConsumerErrors(IMetricOptions? options = null) => ConsumerFunction?.MetricErrors(options ?? AlarmFactory.Sum5Min);

    /// <summary>Errors of the REST API function; null without the API.</summary>
    public Metric? MetricApiErrors(IMetricOptions? options = null) => ApiFunction?.MetricErrors(options ?? AlarmFactory.Sum5Min);

    /// <summary>Throttles of the bundled functions together (sum over five minutes); null when there is none (container mode without the API).</summary>
    public IMetric? MetricFunctionThrottles()
    {
        var metrics = new Dictionary<string, IMetric>();
        if (ConsumerFunction is not null)
        {
            metrics["consumer"] = ConsumerFunction.MetricThrottles(AlarmFactory.Sum5Min);
        }

        if (ApiFunction is not null)
        {
            metrics["api"] = ApiFunction.MetricThrottles(AlarmFactory.Sum5Min);
        }

        return metrics.Count == 0
            ? null
            : new MathExpression(new MathExpressionProps
            {
                Expression = string.Join(" + ", metrics.Keys),
                UsingMetrics = metrics,
                Label = "Throttles of the EventDrivenSettlement functions",
                Period = Duration.Minutes(5),
            });
    }

    private Metric PipeMetric(string name, IMetricOptions? options)
    {
        var metric = new Metric(new MetricProps
        {
            Namespace = "AWS/EventBridge/Pipes",
            MetricName = name,
            DimensionsMap = new Dictionary<string, string> { ["PipeName"] = OutboxPipe.Ref },
            Statistic = "Sum",
            Period = Duration.Minutes(5),
        });
        return options is null ? metric : metric.With(options);
    }

    private Grant GrantInvoke(IGrantable grantee, string method, string path)
    {
        var api = Api ?? throw new InvalidOperationException($"{Node.Path}: the REST API is not enabled; set EnableRestApi to true to grant calls to it.");
        return Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = grantee,
            Actions = ["execute-api:Invoke"],
            ResourceArns = [api.ArnForExecuteApi(method, path, SettlementRestApi.StageName)],
        });
    }

    /// <summary>Exact item actions for a settlement writer: the conditional put and the consistent re-read after a conflict.</summary>
    private void GrantSettlementWrites(IGrantable grantee)
    {
        grantee.GrantPrincipal.AddToPrincipalPolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new PolicyStatementProps
        {
            Actions = ["dynamodb:GetItem", "dynamodb:PutItem"],
            Resources = [Table.TableArn],
        }));
        Table.EncryptionKey?.Grant(grantee, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
    }

    private static EventPattern InputPattern(EventDrivenSettlementProps props) => PropsMerger.Merge(new EventPattern
    {
        Source = [SettlementContracts.InputSource],
        DetailType = [SettlementContracts.InputDetailType],
    }, props.InputEventPattern);

    private Table CreateTable(EventDrivenSettlementProps props)
    {
        // The key and the stream are the contract with the handler, the container and the outbox: they win over overrides.
        var fixedShape = new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "claimId", Type = AttributeType.STRING },
            Stream = StreamViewType.NEW_IMAGE,
        };
        var overrides = PropsMerger.Merge(props.TableProps ?? new TableProps(), fixedShape);
        var defaults = new TableProps
        {
            Encryption = props.TableEncryptionKey is null ? TableEncryption.DEFAULT : TableEncryption.CUSTOMER_MANAGED,
            EncryptionKey = props.TableEncryptionKey,
        };
        return SecureTable.Create(this, "Table", defaults, overrides, Name);
    }

    private (CfnRegistry Registry, CfnSchema Input, CfnSchema Output) CreateSchemaRegistry()
    {
        var registry = new CfnRegistry(this, "SchemaRegistry", new CfnRegistryProps
        {
            Description = "Event contracts of the settlement domain: Fraud.Not.Detected (consumed) and Settlement.Finalized (published).",
        });
        CfnSchema Schema(string id, string file, string source, string detailType, string description) => new(this, id, new CfnSchemaProps
        {
            RegistryName = registry.AttrRegistryName,
            SchemaName = $"{source}@{detailType}",
            Type = "JSONSchemaDraft4",
            Content = SettlementContracts.Draft4(file).ToJsonString(SettlementContracts.PublishedJson),
            Description = description,
        });
        var input = Schema("InputSchema", SettlementContracts.InputFile, SettlementContracts.InputSource, SettlementContracts.InputDetailType,
            "The detail of Fraud.Not.Detected (source fraud.service), as the settlement consumer validates it; also the POST /settlements body.");
        var output = Schema("OutputSchema", SettlementContracts.OutputFile, SettlementContracts.OutputSource, SettlementContracts.OutputDetailType,
            "The detail of Settlement.Finalized (source settlement.service): one per claim, at least once; deduplicate by settlementId.");
        return (registry, input, output);
    }

    private Function Function(EventDrivenSettlementProps props, string id, BundledHandler handler, string description, double? memory, Duration timeout,
        IReadOnlyDictionary<string, string> environment) =>
        HandlerFunctions.CreateBundled(this, id, handler, new FunctionSettings
        {
            Description = description,
            MemorySize = memory ?? 512,
            Timeout = timeout,
            Environment = environment,
            LogLevel = props.LogLevel ?? "INFO",
            Tracing = props.EnableTracing ?? false,
            LogRetention = props.LogRetention ?? RetentionDays.THREE_MONTHS,
        });

    private List<IAlarm> CreateAlarms(EventDrivenSettlementProps props)
    {
        var alarms = new AlarmFactory(this, props.AlarmTopic);
        alarms.AtLeast("DeadLetterQueueAlarm", MetricDeadLetterMessages(), 1,
            "A Fraud.Not.Detected event waits in the dead-letter queue: it broke the contract, conflicts with a settled claim, has no deductible rule, or kept failing. Its reason is in the message.");
        alarms.AtLeast("RuleDeadLetterQueueAlarm", MetricRuleDeadLetterMessages(), 1,
            "EventBridge could not deliver a Fraud.Not.Detected event to the work queue; it waits in the rule's dead-letter queue.");
        alarms.AtLeast("PipeDeadLetterQueueAlarm", MetricPipeDeadLetterMessages(), 1,
            "The outbox could not publish Settlement.Finalized for a stream batch; the rows are in the table, the batch's position is in the pipe's dead-letter queue.");
        alarms.AtLeast("PipeFailuresAlarm", MetricPipeFailures(), 1, "An outbox pipe execution failed (it is retried; see the pipe's log group).");
        alarms.AtLeast("BacklogAgeAlarm", MetricBacklogAge(), BacklogAgeAlarmSeconds,
            "A claim has waited in the work queue for 10 minutes: the consumer is failing, throttled or (in container mode) not running.");
        if (MetricConsumerErrors() is { } consumerErrors)
        {
            alarms.AtLeast("ConsumerErrorsAlarm", consumerErrors, 1, "The settlement function failed whole invocations; their messages are retried, then moved to the dead-letter queue.");
        }

        if (MetricApiErrors() is { } apiErrors)
        {
            alarms.AtLeast("ApiErrorsAlarm", apiErrors, 1, "The REST API function failed (callers saw 5xx).");
        }

        if (MetricFunctionThrottles() is { } throttles)
        {
            alarms.AtLeast("FunctionThrottlesAlarm", throttles, 1, "An EventDrivenSettlement function was throttled by Lambda.");
        }

        return alarms.Alarms.ToList();
    }

    private void EmitWarnings(EventDrivenSettlementProps props)
    {
        if (props.TableProps?.RemovalPolicy is { } removal && removal != RemovalPolicy.RETAIN && removal != RemovalPolicy.SNAPSHOT)
        {
            Warnings.Add(this, Name, "tableRemoval",
                $"TableProps.RemovalPolicy is {removal}: deleting the stack deletes every settlement, and a redelivered claim would then be settled (and published) again.");
        }

        if (props.InputEventPattern?.DetailType is { Length: > 0 } detailTypes && detailTypes.Any(d => d != SettlementContracts.InputDetailType))
        {
            Warnings.Add(this, Name, "inputDetailType",
                $"InputEventPattern.DetailType includes {string.Join(", ", detailTypes.Where(d => d != SettlementContracts.InputDetailType))}: every matched event is validated against the {SettlementContracts.InputDetailType} contract, and one that breaks it goes to the dead-letter queue.");
        }

        if (props.ContainerImage is RepositoryImage && props.ExistingVpc is null)
        {
            Warnings.Add(this, Name, "containerImageNeedsInternet",
                "ContainerImage comes from a registry other than ECR, but the VPC the construct creates has no NAT gateway and endpoints for ECR only: tasks cannot pull the image. Push it to ECR (or an ECR pull-through cache) or pass ExistingVpc with a route to the registry.");
        }

        if (props.ContainerOnDemandWeight == 0)
        {
            Warnings.Add(this, Name, "containerSpotOnly",
                "ContainerOnDemandWeight is 0: every task runs on Fargate Spot, so claims wait whenever Spot capacity is reclaimed or unavailable.");
        }
    }

    /// <summary>The SETTLEMENT_RULES value: currency and deductibles, amounts as invariant decimal strings with two places.</summary>
    internal static string RulesJson(string currency, IReadOnlyList<Deductible> deductibles) => new JsonObject
    {
        ["currency"] = currency,
        ["deductibles"] = new JsonArray(deductibles.Select(d => (JsonNode)new JsonObject
        {
            ["documentType"] = d.DocumentType,
            ["damageLevel"] = d.DamageLevel,
            ["amount"] = (d.Amount ?? 0m).ToString("0.00", CultureInfo.InvariantCulture),
        }).ToArray()),
    }.ToJsonString();
}
