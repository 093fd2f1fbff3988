using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using LambdaDestinations = Amazon.CDK.AWS.Lambda.Destinations;
using S3Destinations = Amazon.CDK.AWS.S3.Notifications;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.RecursionSafeS3Processor;

/// <summary>
/// Processes every object uploaded to a bucket and writes the result back (to a second bucket, or to the same
/// bucket) without ever invoking itself again. See <see cref="ProcessingStrategy"/> for the four designs.
/// The construct owns the wiring, the loop guard and the safety net; you own the processing.
/// </summary>
public class RecursionSafeS3Processor : Construct
{
    private const string Name = nameof(RecursionSafeS3Processor);

    /// <summary>The bucket whose uploads are processed.</summary>
    public IBucket Bucket { get; }

    /// <summary>Where output is written (the same bucket as <see cref="Bucket"/> except with SeparateBucket).</summary>
    public IBucket OutputBucket { get; }

    /// <summary>The function that does the processing.</summary>
    public IFunction ProcessorFunction { get; }

    /// <summary>The bundled guard in front of the processor (ObjectMetadata: marker check; ProcessedLedger: ledger recorder); null otherwise.</summary>
    public IFunction? GuardFunction { get; }

    /// <summary>The queue feeding the processor (all strategies except ProcessedLedger, where the ledger's stream feeds it).</summary>
    public IQueue? WorkQueue { get; }

    /// <summary>Failed work messages, failed asynchronous S3 events and failed stream batches; null if disabled.</summary>
    public IQueue? DeadLetterQueue { get; }

    /// <summary>The ledger (ProcessedLedger only).</summary>
    public ITable? LedgerTable { get; }

    /// <summary>The alarms created (empty when CreateAlarms is false).</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>The strategy in force.</summary>
    public ProcessingStrategy Strategy { get; }

    /// <summary>The key prefix that triggers processing.</summary>
    public string InputPrefix { get; }

    /// <summary>The key prefix output is written under (equal to <see cref="InputPrefix"/> for in-place strategies).</summary>
    public string OutputPrefix { get; }

    /// <summary>Creates the pattern.</summary>
    public RecursionSafeS3Processor(Construct scope, string id, RecursionSafeS3ProcessorProps? props = null)
        : base(scope, id)
    {
        props ??= new RecursionSafeS3ProcessorProps();
        Validate(props);

        Strategy = props.Strategy ?? ProcessingStrategy.SeparateBucket;
        InputPrefix = props.InputPrefix ?? "";
        var inPlace = Strategy is ProcessingStrategy.ObjectMetadata or ProcessingStrategy.ProcessedLedger;
        OutputPrefix = inPlace ? InputPrefix : props.OutputPrefix ?? "";
        var processorTimeout = props.ProcessorTimeout ?? Duration.Seconds(30);
        var reserved = props.ProcessorReservedConcurrency ?? 5;
        var batchSize = props.BatchSize ?? 10;
        // One value for the work queue's redrive policy and the processor's MAX_RECEIVE_COUNT (it parks a message itself, with the reason, on that receive).
        var maxReceiveCount = props.MaxReceiveCount ?? 5;
        var logLevel = props.LogLevel ?? "INFO";
        var tracing = props.EnableTracing ?? false;
        var retention = props.LogRetention ?? RetentionDays.THREE_MONTHS;

        // Resources: existing or created through the shared secure builders.
        Bucket = props.ExistingBucket ?? SecureBucket.Create(this, "Bucket", props.BucketProps, props.BucketEncryptionKey, Name);
        OutputBucket = Strategy == ProcessingStrategy.SeparateBucket
            ? props.ExistingOutputBucket ?? SecureBucket.Create(this, "OutputBucket", props.OutputBucketProps, props.BucketEncryptionKey, Name)
            : Bucket;
        var deadLetterQueue = props.DeployDeadLetterQueue ?? true ? SecureQueue.CreateDeadLetterQueue(this, "DeadLetterQueue") : null;
        DeadLetterQueue = deadLetterQueue;
        if (deadLetterQueue is null)
        {
            Warnings.Add(this, Name, "noDeadLetterQueue",
                "DeployDeadLetterQueue is false: work that keeps failing and S3 events Lambda cannot deliver will be dropped after their retries.");
        }

        // The processor: yours, yours deployed by us, or the bundled example.
        var processorEnvironment = new Dictionary<string, string>
        {
            ["STRATEGY"] = Strategy.ToString(),
            ["SOURCE_BUCKET"] = Bucket.BucketName,
            ["INPUT_PREFIX"] = InputPrefix,
            ["OUTPUT_BUCKET"] = OutputBucket.BucketName,
            ["OUTPUT_PREFIX"] = OutputPrefix,
        };
        if (deadLetterQueue is not null)
        {
            processorEnvironment["DEAD_LETTER_QUEUE_URL"] = deadLetterQueue.QueueUrl;
            if (Strategy != ProcessingStrategy.ProcessedLedger)
            {
                processorEnvironment["MAX_RECEIVE_COUNT"] = maxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var processorSettings = new FunctionSettings
        {
            Description = $"Processes objects uploaded to s3://<bucket>/{InputPrefix} ({Strategy}).",
            MemorySize = props.ProcessorMemorySize ?? 512,
            Timeout = processorTimeout,
            ReservedConcurrency = reserved,
            Environment = processorEnvironment,
            LogLevel = logLevel,
            Tracing = tracing,
            LogRetention = retention,
            DeadLetterQueue = deadLetterQueue,
        };
        ProcessorFunction = props.ExistingProcessorFunction
            ?? (props.ProcessorFunctionProps is { } userProps
                ? HandlerFunctions.Create(this, "ProcessorFunction", processorSettings, userProps, Name)
                : HandlerFunctions.CreateBundled(this, "ProcessorFunction", BundledHandlers.ContentStampProcessor, processorSettings));

        // Wiring, per strategy.
        // S3 rejects an empty filter: without prefix or suffix every created object notifies.
        INotificationKeyFilter[] filter = InputPrefix.Length == 0 && string.IsNullOrEmpty(props.InputSuffix)
            ? []
            : [new NotificationKeyFilter
            {
                Prefix = InputPrefix.Length > 0 ? InputPrefix : null,
                Suffix = string.IsNullOrEmpty(props.InputSuffix) ? null : props.InputSuffix,
            }];
        var guardSettings = processorSettings with
        {
            MemorySize = 256,
            Timeout = Duration.Seconds(30),
            ReservedConcurrency = null,
            DeadLetterQueue = null, // asynchronous failures go to the on-failure destination instead
            Description = "",
            Environment = new Dictionary<string, string>(),
        };
        var asyncFailure = new FunctionProps
        {
            OnFailure = deadLetterQueue is null ? null : new LambdaDestinations.SqsDestination(deadLetterQueue),
            RetryAttempts = 2,
            MaxEventAge = Duration.Hours(6),
        };

        switch (Strategy)
        {
            case ProcessingStrategy.SeparateBucket:
            case ProcessingStrategy.KeyFilter:
                WorkQueue = CreateWorkQueue(props, processorTimeout, deadLetterQueue, maxReceiveCount);
                Bucket.AddEventNotification(EventType.OBJECT_CREATED, new S3Destinations.SqsDestination(WorkQueue), filter);
                // CDK limits S3's send to the bucket's ARN; also pin the account (confused-deputy protection).
                SecureQueue.AllowS3FromThisAccountOnly(WorkQueue);
                ProcessorFunction.AddEventSource(new SqsEventSource(WorkQueue, new SqsEventSourceProps
                {
                    BatchSize = batchSize,
                    ReportBatchItemFailures = true,
                    MaxConcurrency = reserved,
                }));
                break;

            case ProcessingStrategy.ObjectMetadata:
                WorkQueue = CreateWorkQueue(props, processorTimeout, deadLetterQueue, maxReceiveCount);
                var guard = HandlerFunctions.CreateBundled(this, "GuardFunction", BundledHandlers.ObjectMetadataGuard, guardSettings with
                {
                    Description = $"Forwards only objects marked x-amz-meta-{props.MarkerKey ?? "original"} to the processor.",
                    Environment = new Dictionary<string, string>
                    {
                        ["SOURCE_BUCKET"] = Bucket.BucketName,
                        ["INPUT_PREFIX"] = InputPrefix,
                        ["MARKER_KEY"] = props.MarkerKey ?? "original",
                        ["MARKER_VALUE"] = props.MarkerValue ?? "true",
                        ["WORK_QUEUE_URL"] = WorkQueue.QueueUrl,
                    }.WithProcessorRoleId(ProcessorFunction),
                }, asyncFailure);
                GuardFunction = guard;
                Bucket.AddEventNotification(EventType.OBJECT_CREATED, new S3Destinations.LambdaDestination(guard), filter);
                CommonSuppressions.OnRolePolicy(guard, LeastPrivilege.ReadObjects(guard, Bucket, InputPrefix));
                WorkQueue.GrantSendMessages(guard);
                ProcessorFunction.AddEventSource(new SqsEventSource(WorkQueue, new SqsEventSourceProps
                {
                    BatchSize = batchSize,
                    ReportBatchItemFailures = true,
                    MaxConcurrency = reserved,
                }));
                break;

            case ProcessingStrategy.ProcessedLedger:
                var table = props.ExistingLedgerTable ?? CreateLedger(props.LedgerTableProps);
                LedgerTable = table;
                var recorder = HandlerFunctions.CreateBundled(this, "GuardFunction", BundledHandlers.LedgerRecorder, guardSettings with
                {
                    Description = "Records each new object revision in the ledger once; ignores the processor's own writes.",
                    Environment = new Dictionary<string, string>
                    {
                        ["SOURCE_BUCKET"] = Bucket.BucketName,
                        ["INPUT_PREFIX"] = InputPrefix,
                        ["LEDGER_TABLE"] = table.TableName,
                        ["LEDGER_TTL_SECONDS"] = ((long)(props.LedgerTtl ?? Duration.Days(1)).ToSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["PROCESSOR_ROLE_ID"] = ((Role)ProcessorFunction.Role!).RoleId,
                    },
                }, asyncFailure);
                GuardFunction = recorder;
                Bucket.AddEventNotification(EventType.OBJECT_CREATED, new S3Destinations.LambdaDestination(recorder), filter);
                recorder.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
                {
                    Actions = ["dynamodb:PutItem"],
                    Resources = [table.TableArn],
                }));
                table.EncryptionKey?.Grant(recorder, "kms:GenerateDataKey", "kms:Decrypt");
                ProcessorFunction.AddEventSource(new DynamoEventSource(table, new DynamoEventSourceProps
                {
                    StartingPosition = StartingPosition.TRIM_HORIZON,
                    BatchSize = batchSize,
                    BisectBatchOnError = true,
                    RetryAttempts = 3,
                    MaxRecordAge = Duration.Days(1),
                    ReportBatchItemFailures = true,
                    ParallelizationFactor = 1,
                    OnFailure = deadLetterQueue is null ? null : new SqsDlq(deadLetterQueue),
                    Filters = [FilterCriteria.Filter(new Dictionary<string, object> { ["eventName"] = FilterRule.IsEqual("INSERT") })],
                }));
                if (props.ExistingProcessorFunction is null)
                {
                    CommonSuppressions.OnRolePolicy(ProcessorFunction, new NagSuppression("AwsSolutions-IAM5",
                        "dynamodb:ListStreams (added by the DynamoDB event source) does not support resource-level permissions; reading records is limited to the ledger's stream.",
                        "Resource::*"));
                }
                break;
        }

        // Least privilege for the processor: read where the trigger is, write where output goes.
        var readSuppression = LeastPrivilege.ReadObjects(ProcessorFunction, Bucket, InputPrefix);
        var writeSuppression = LeastPrivilege.WriteObjects(ProcessorFunction, OutputBucket, OutputPrefix);
        deadLetterQueue?.GrantSendMessages(ProcessorFunction);
        if (props.ExistingProcessorFunction is null)
        {
            CommonSuppressions.OnRolePolicy(ProcessorFunction, readSuppression, writeSuppression);
        }

        if (WorkQueue is not null)
        {
            CommonSuppressions.SqsEventSources(ProcessorFunction);
        }

        if (GuardFunction is not null)
        {
            NagSuppressions.Add(GuardFunction, new NagSuppression("Serverless-LambdaDLQ",
                "S3 invokes this guard asynchronously; failed events go to the on-failure destination (the DeadLetterQueue) with their request context, which a DLQ would duplicate."));
        }

        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props, reserved, deadLetterQueue) : [];

        if (Strategy is ProcessingStrategy.SeparateBucket or ProcessingStrategy.KeyFilter && ProcessorFunction.Role is { } role)
        {
            Node.AddValidation(new WriteGrantLoopValidation(role, Bucket, InputPrefix));
        }

        CdkHelperFunctions.Harden(this);
    }

    /// <summary>Lets <paramref name="grantee"/> upload objects that will be processed (PutObject under <see cref="InputPrefix"/>).</summary>
    public Grant GrantUpload(IGrantable grantee) => Bucket.GrantPut(grantee, InputPrefix + "*");

    /// <summary>Lets <paramref name="grantee"/> read processed output (objects under <see cref="OutputPrefix"/> of <see cref="OutputBucket"/>).</summary>
    public Grant GrantReadOutput(IGrantable grantee) => OutputBucket.GrantRead(grantee, OutputPrefix + "*");

    /// <summary>Processor invocations (sum over five minutes by default).</summary>
    public Metric MetricProcessorInvocations(IMetricOptions? options = null) => ProcessorFunction.MetricInvocations(options ?? AlarmFactory.Sum5Min);

    /// <summary>Processor errors (sum over five minutes by default).</summary>
    public Metric MetricProcessorErrors(IMetricOptions? options = null) => ProcessorFunction.MetricErrors(options ?? AlarmFactory.Sum5Min);

    /// <summary>Processor throttles (sum over five minutes by default).</summary>
    public Metric MetricProcessorThrottles(IMetricOptions? options = null) => ProcessorFunction.MetricThrottles(options ?? AlarmFactory.Sum5Min);

    /// <summary>The processor's concurrent executions (maximum over one minute by default).</summary>
    public Metric MetricProcessorConcurrency(IMetricOptions? options = null) => ProcessorFunction.Metric("ConcurrentExecutions", options ?? AlarmFactory.Max1Min);

    /// <summary>Messages waiting in the dead-letter queue (maximum over one minute by default); null when there is no DLQ.</summary>
    public Metric? MetricDeadLetterMessages(IMetricOptions? options = null) =>
        DeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    private Queue CreateWorkQueue(RecursionSafeS3ProcessorProps props, Duration processorTimeout, IQueue? deadLetterQueue, double maxReceiveCount) =>
        SecureQueue.Create(this, "WorkQueue", props.WorkQueueProps, processorTimeout, deadLetterQueue, maxReceiveCount, Name);

    private Table CreateLedger(TableProps? overrides) => SecureTable.Create(this, "Ledger", new TableProps
    {
        PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "objectId", Type = AttributeType.STRING },
        SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "revision", Type = AttributeType.STRING },
        TimeToLiveAttribute = "expiresAt",
        Stream = StreamViewType.NEW_IMAGE,
    }, overrides, Name);

    private List<IAlarm> CreateAlarms(RecursionSafeS3ProcessorProps props, double reserved, IQueue? deadLetterQueue)
    {
        var alarms = new AlarmFactory(this, props.AlarmTopic);
        alarms.AtLeast("ProcessorErrorsAlarm", MetricProcessorErrors(), 1, "The processor reported errors.");
        alarms.AtLeast("ProcessorThrottlesAlarm", MetricProcessorThrottles(), 1, "The processor was throttled (its reserved concurrency is exhausted).");
        alarms.AtLeast("ProcessorInvocationsSpikeAlarm", MetricProcessorInvocations(), props.InvocationsAlarmThreshold ?? 1000,
            "Processor invocations spiked: check for a loop or an upload storm.");
        if (props.ExistingProcessorFunction is null)
        {
            alarms.AtLeast("ProcessorConcurrencyAlarm", MetricProcessorConcurrency(), reserved,
                "The processor is running at its reserved concurrency, the safety net's cap.");
        }

        if (deadLetterQueue is not null)
        {
            alarms.AtLeast("DeadLetterQueueAlarm", MetricDeadLetterMessages()!, 1, "Work failed and is waiting in the dead-letter queue.");
        }

        if (GuardFunction is not null)
        {
            alarms.AtLeast("GuardErrorsAlarm", GuardFunction.MetricErrors(AlarmFactory.Sum5Min), 1, "The bundled guard reported errors.");
        }

        return alarms.Alarms.ToList();
    }

    private static void Validate(RecursionSafeS3ProcessorProps p)
    {
        var strategy = p.Strategy ?? ProcessingStrategy.SeparateBucket;
        var input = p.InputPrefix ?? "";
        var output = p.OutputPrefix ?? "";
        var sqsFed = strategy != ProcessingStrategy.ProcessedLedger;
        var v = new PropsValidator(Name);
        v.Exclusive(nameof(p.ExistingBucket), p.ExistingBucket, nameof(p.BucketProps), p.BucketProps,
                "pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both")
            .Exclusive(nameof(p.ExistingOutputBucket), p.ExistingOutputBucket, nameof(p.OutputBucketProps), p.OutputBucketProps,
                "pass one of them")
            .Exclusive(nameof(p.ExistingProcessorFunction), p.ExistingProcessorFunction, nameof(p.ProcessorFunctionProps), p.ProcessorFunctionProps,
                "pass ExistingProcessorFunction for a function you deploy yourself, or ProcessorFunctionProps to have the construct deploy your code")
            .Exclusive(nameof(p.ExistingLedgerTable), p.ExistingLedgerTable, nameof(p.LedgerTableProps), p.LedgerTableProps,
                "pass one of them")
            .When(p.LedgerTableProps is { ReplicationRegions.Length: > 0 } ledger && ledger.Stream != StreamViewType.NEW_AND_OLD_IMAGES,
                $"{nameof(p.LedgerTableProps)}.{nameof(TableProps.ReplicationRegions)}",
                "needs a NEW_AND_OLD_IMAGES stream (CDK's replicas require it), but the ledger's stream would be NEW_IMAGE",
                p.LedgerTableProps?.ReplicationRegions is { } regions ? string.Join(", ", regions) : null,
                "also set LedgerTableProps.Stream = StreamViewType.NEW_AND_OLD_IMAGES (the recorder reads only the new image), or remove ReplicationRegions")
            .When(p.LedgerTableProps?.Stream is { } view && view != StreamViewType.NEW_IMAGE && view != StreamViewType.NEW_AND_OLD_IMAGES,
                $"{nameof(p.LedgerTableProps)}.{nameof(TableProps.Stream)}", "must carry new images: the processor reads each ledger item from the stream's NewImage, so every record would fail",
                p.LedgerTableProps?.Stream, "leave it out (NEW_IMAGE), or use NEW_AND_OLD_IMAGES")
            .When(p.LedgerTableProps is { } lt && (KeyIsNot(lt.PartitionKey, "objectId") || KeyIsNot(lt.SortKey, "revision")),
                $"{nameof(p.LedgerTableProps)}.{nameof(TableProps.PartitionKey)}/{nameof(TableProps.SortKey)}",
                "replace the ledger's key schema (objectId, revision: strings), which the recorder and the processor write and read, so every write would fail",
                $"{p.LedgerTableProps?.PartitionKey?.Name ?? "objectId"}, {p.LedgerTableProps?.SortKey?.Name ?? "revision"}", "leave PartitionKey and SortKey out")
            .When(p.LedgerTableProps?.TimeToLiveAttribute is { } ttl && ttl != "expiresAt", $"{nameof(p.LedgerTableProps)}.{nameof(TableProps.TimeToLiveAttribute)}",
                "is not the attribute the recorder writes (expiresAt), so ledger items would never expire", p.LedgerTableProps?.TimeToLiveAttribute, "leave it out")
            .Exclusive(nameof(p.ExistingProcessorFunction), p.ExistingProcessorFunction, nameof(p.ProcessorMemorySize), p.ProcessorMemorySize,
                "set the memory size on your own function instead")
            .Exclusive(nameof(p.ExistingProcessorFunction), p.ExistingProcessorFunction, nameof(p.ProcessorReservedConcurrency), p.ProcessorReservedConcurrency,
                "set reserved concurrency on your own function; the construct still caps its event source at 5 by default")
            .Exclusive(nameof(p.ExistingBucket), p.ExistingBucket, nameof(p.BucketEncryptionKey), p.BucketEncryptionKey,
                "BucketEncryptionKey applies to buckets the construct creates; your bucket keeps its own encryption");

        // The synth-time loop checks that need only the props.
        v.Whole((nameof(p.MaxReceiveCount), p.MaxReceiveCount), (nameof(p.ProcessorMemorySize), p.ProcessorMemorySize));
        var sameBucket = SameResource.Buckets(p.ExistingBucket, p.ExistingOutputBucket);
        v.When(strategy == ProcessingStrategy.SeparateBucket && sameBucket,
                nameof(p.ExistingOutputBucket),
                $"is the same bucket as ExistingBucket ({(sameBucket ? SameResource.DescribeBucket(p.ExistingBucket!) : "")}), so every output would trigger the processor again",
                "Strategy SeparateBucket",
                "pass a different bucket, or choose Strategy KeyFilter, ObjectMetadata or ProcessedLedger to write back to the same bucket safely")
            .When(strategy != ProcessingStrategy.SeparateBucket && (p.ExistingOutputBucket is not null || p.OutputBucketProps is not null),
                "ExistingOutputBucket/OutputBucketProps", "apply only to Strategy SeparateBucket; the other strategies write back to the source bucket", strategy,
                "remove them, or use Strategy SeparateBucket")
            .When(strategy == ProcessingStrategy.KeyFilter && input.Length == 0, nameof(p.InputPrefix),
                "is required by KeyFilter: without it every key, including the output, triggers the processor", input, "set InputPrefix, e.g. \"incoming/\"")
            .When(strategy == ProcessingStrategy.KeyFilter && output.Length == 0, nameof(p.OutputPrefix),
                "is required by KeyFilter: output must go somewhere the notification filter does not match", output, "set OutputPrefix, e.g. \"processed/\"")
            .When(strategy == ProcessingStrategy.KeyFilter && input.Length > 0 && output.Length > 0 && LoopCheck.PrefixesOverlap(input, output),
                nameof(p.OutputPrefix),
                $"overlaps InputPrefix \"{input}\", so output written under it matches the notification filter and triggers the processor again, forever",
                output, "choose prefixes where neither starts with the other, e.g. InputPrefix \"incoming/\" and OutputPrefix \"processed/\"")
            .When(strategy is ProcessingStrategy.ObjectMetadata or ProcessingStrategy.ProcessedLedger && p.OutputPrefix is not null,
                nameof(p.OutputPrefix), $"does not apply to {strategy}, which writes output in place (same key)", output,
                "remove OutputPrefix, or use Strategy KeyFilter to write under another prefix")
            .When(strategy != ProcessingStrategy.ObjectMetadata && (p.MarkerKey is not null || p.MarkerValue is not null),
                "MarkerKey/MarkerValue", "apply only to Strategy ObjectMetadata", strategy, "remove them or use Strategy ObjectMetadata")
            .When(strategy != ProcessingStrategy.ProcessedLedger && (p.ExistingLedgerTable is not null || p.LedgerTableProps is not null || p.LedgerTtl is not null),
                "ExistingLedgerTable/LedgerTableProps/LedgerTtl", "apply only to Strategy ProcessedLedger", strategy, "remove them or use Strategy ProcessedLedger")
            .When(input.StartsWith('/'), nameof(p.InputPrefix), "starts with '/', but S3 keys have no leading slash", input, "drop the leading '/'")
            .When(output.StartsWith('/'), nameof(p.OutputPrefix), "starts with '/', but S3 keys have no leading slash", output, "drop the leading '/'")
            .When(p.MarkerKey is { } mk && (mk.Length == 0 || mk.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))),
                nameof(p.MarkerKey), "must be lower-case letters, digits, '-' or '_' (S3 stores user-metadata keys in lower case)", p.MarkerKey, "e.g. \"original\"")
            .When(p.MarkerValue is "", nameof(p.MarkerValue), "must not be empty", p.MarkerValue, "e.g. \"true\"")
            .When(PropsValidator.OutOfRange(p.MaxReceiveCount, 1, 1000), nameof(p.MaxReceiveCount), "must be between 1 and 1000", p.MaxReceiveCount, "the default is 5")
            .When(p.ProcessorReservedConcurrency is { } rc && (PropsValidator.OutOfRange(rc, sqsFed ? 2 : 1, 1000) || rc != Math.Floor(rc)),
                nameof(p.ProcessorReservedConcurrency), $"must be a whole number between {(sqsFed ? 2 : 1)} and 1000{(sqsFed ? " (an SQS event source needs a maximum concurrency of at least 2)" : "")}",
                p.ProcessorReservedConcurrency, "the default is 5")
            .When(p.BatchSize is { } bs && (PropsValidator.OutOfRange(bs, 1, sqsFed ? 10 : 1000) || bs != Math.Floor(bs)), nameof(p.BatchSize),
                $"must be a whole number between 1 and {(sqsFed ? 10 : 1000)}", p.BatchSize, "the default is 10")
            .When(PropsValidator.OutOfRange(p.ProcessorMemorySize, 128, 10240), nameof(p.ProcessorMemorySize), "must be between 128 and 10240 MB", p.ProcessorMemorySize, "the default is 512")
            .When(PropsValidator.NotWholeSeconds(p.ProcessorTimeout), nameof(p.ProcessorTimeout), "must be a whole number of seconds (Lambda timeouts are)", p.ProcessorTimeout,
                "round it, e.g. Duration.Seconds(30)")
            .When(PropsValidator.NotWholeSeconds(p.LedgerTtl), nameof(p.LedgerTtl), "must be a whole number of seconds", p.LedgerTtl, "round it, e.g. Duration.Days(1)")
            .When(PropsValidator.OutOfRange(p.ProcessorTimeout, 1, 900), nameof(p.ProcessorTimeout),
                "must be between 1 second and 15 minutes", p.ProcessorTimeout, "the default is 30 seconds")
            .When(PropsValidator.OutOfRange(p.LedgerTtl, 3600, double.MaxValue), nameof(p.LedgerTtl),
                "must be at least one hour, or a late duplicate delivery would be processed again", p.LedgerTtl, "the default is 1 day")
            .When(p.InvocationsAlarmThreshold is { } threshold && (!double.IsFinite(threshold) || threshold <= 0), nameof(p.InvocationsAlarmThreshold), "must be positive", p.InvocationsAlarmThreshold, "the default is 1000")
            .When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic), "was given but CreateAlarms is false, so nothing would notify it", "a topic",
                "remove AlarmTopic or set CreateAlarms to true")
            .When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
                nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO")
            .When(PropsValidator.NotWholeSeconds(p.ProcessorFunctionProps?.Timeout), $"{nameof(p.ProcessorFunctionProps)}.{nameof(FunctionProps.Timeout)}",
                "must be a whole number of seconds (Lambda timeouts are)", p.ProcessorFunctionProps?.Timeout, "round it, e.g. Duration.Seconds(30)")
            .When(PropsValidator.OutOfRange(p.ProcessorFunctionProps?.MemorySize, 128, 10240) && double.IsFinite(p.ProcessorFunctionProps?.MemorySize ?? 0),
                $"{nameof(p.ProcessorFunctionProps)}.{nameof(FunctionProps.MemorySize)}", "must be between 128 and 10240 MB (Lambda's limits)",
                p.ProcessorFunctionProps?.MemorySize, "leave it out for ProcessorMemorySize's default of 512")
            .FiniteNumbers(nameof(p.ProcessorFunctionProps), p.ProcessorFunctionProps)
            .FiniteNumbers(nameof(p.BucketProps), p.BucketProps)
            .FiniteNumbers(nameof(p.OutputBucketProps), p.OutputBucketProps)
            .FiniteNumbers(nameof(p.LedgerTableProps), p.LedgerTableProps)
            .When(p.ProcessorFunctionProps is { } fp && (fp.Code is null || fp.Handler is null || fp.Runtime is null),
                nameof(p.ProcessorFunctionProps), "must set Code, Handler and Runtime (the construct supplies everything else)", "incomplete FunctionProps",
                "set all three, or omit ProcessorFunctionProps to use the bundled example processor")
            .When(p.ExistingLedgerTable is { TableStreamArn: null }, nameof(p.ExistingLedgerTable),
                "has no stream ARN; the ledger's stream is what triggers processing", "a table without TableStreamArn",
                "enable a NEW_IMAGE stream and import the table with Table.FromTableAttributes(..., TableStreamArn = ...)")
            .When(strategy == ProcessingStrategy.ProcessedLedger && p.ExistingProcessorFunction is not null && p.ExistingProcessorFunction.Role is not Role,
                nameof(p.ExistingProcessorFunction),
                "must have an IAM role defined in this app: the ledger recorder skips writes made by that role (by its unique id), which is what breaks the in-place loop",
                "a function without a known role", "define the function (and its role) in this app, or use ProcessorFunctionProps");
        if (sqsFed)
        {
            var (consumerTimeout, consumerProp) = p switch
            {
                { ExistingProcessorFunction: Function { Timeout: { } own } } => (own, $"{nameof(p.ExistingProcessorFunction)}'s Timeout"),
                { ProcessorFunctionProps.Timeout: { } given } => (given, $"{nameof(p.ProcessorFunctionProps)}.Timeout"),
                _ => ((Duration?)null, nameof(p.ProcessorTimeout)),
            };
            SecureQueue.Validate(v, p.WorkQueueProps, nameof(p.WorkQueueProps), p.ProcessorTimeout ?? Duration.Seconds(30), consumerTimeout,
                consumerProp, nameof(p.ProcessorTimeout), strategy == ProcessingStrategy.ObjectMetadata ? "the bundled guard sends" : "S3 event notifications are");
        }

        foreach (var (key, value) in p.ProcessorFunctionProps?.Environment ?? new Dictionary<string, string>())
        {
            v.When((Credentials.IsCredentialName(key) && Credentials.IsPlainValue(value)) || Credentials.IsCredentialValue(value), $"{nameof(p.ProcessorFunctionProps)}.Environment",
                $"sets \"{key}\", which looks like a credential, in plain text (anyone who may read the function's configuration or the template sees it)",
                "a plain-text value", $"store it in AWS Secrets Manager, pass the secret's ARN instead (e.g. {key}_SECRET_ARN = secret.SecretArn) and grant the function secret.GrantRead");
        }

        v.ThrowIfAny();
    }

    // A key the user set that is not the ledger's own (name and string type).
    private static bool KeyIsNot(Amazon.CDK.AWS.DynamoDB.IAttribute? key, string name) =>
        key is not null && (key.Name != name || key.Type != AttributeType.STRING);
}

/// <summary>Helpers for the guards' environment.</summary>
internal static class GuardEnvironment
{
    /// <summary>
    /// Adds <c>PROCESSOR_ROLE_ID</c> when the processor's role is defined in this app, so the guard recognises the
    /// processor's own writes from the S3 event and spends no request on them.
    /// </summary>
    public static Dictionary<string, string> WithProcessorRoleId(this Dictionary<string, string> environment, IFunction processor)
    {
        if (processor.Role is Role role)
        {
            environment["PROCESSOR_ROLE_ID"] = role.RoleId;
        }

        return environment;
    }
}
