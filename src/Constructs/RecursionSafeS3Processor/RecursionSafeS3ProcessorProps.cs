using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;

namespace Patterns.Cdk.RecursionSafeS3Processor;

/// <summary>Properties of a <see cref="RecursionSafeS3Processor"/>. Every property is optional.</summary>
public sealed class RecursionSafeS3ProcessorProps
{
    // 1. Bring your own resources.

    /// <summary>The bucket whose uploads are processed. Default: a new private, encrypted, versioned bucket.</summary>
    public IBucket? ExistingBucket { get; init; }

    /// <summary>Where output goes with <see cref="ProcessingStrategy.SeparateBucket"/>. Default: a new bucket like <see cref="ExistingBucket"/>'s default.</summary>
    public IBucket? ExistingOutputBucket { get; init; }

    /// <summary>
    /// Your processing function. It receives an SQS event whose message bodies are S3 event notifications
    /// (or, with <see cref="ProcessingStrategy.ProcessedLedger"/>, a DynamoDB stream event of ledger items) and
    /// should report partial batch failures. Default: the bundled ContentStamp example processor, unless
    /// <see cref="ProcessorFunctionProps"/> is given.
    /// </summary>
    public IFunction? ExistingProcessorFunction { get; init; }

    /// <summary>The ledger for <see cref="ProcessingStrategy.ProcessedLedger"/>; it needs a stream (NEW_IMAGE) and keys <c>objectId</c>/<c>revision</c>. Default: a new on-demand table.</summary>
    public ITable? ExistingLedgerTable { get; init; }

    // 2. Overrides of created resources.

    /// <summary>Overrides for the created source bucket. Default: private, SSE-S3, TLS-only, versioned, lifecycle for incomplete uploads and old versions.</summary>
    public BucketProps? BucketProps { get; init; }

    /// <summary>Overrides for the created output bucket. Default: as <see cref="BucketProps"/>.</summary>
    public BucketProps? OutputBucketProps { get; init; }

    /// <summary>
    /// Your processor's code, handler and runtime, deployed with the construct's secure defaults (arm64, log group,
    /// JSON logs, reserved concurrency, least-privilege role). Default: the bundled ContentStamp example processor.
    /// </summary>
    public FunctionProps? ProcessorFunctionProps { get; init; }

    /// <summary>Overrides for the work queue between S3 and the processor. Default: SSE-SQS, TLS-only, visibility 6x the processor timeout, DLQ.</summary>
    public QueueProps? WorkQueueProps { get; init; }

    /// <summary>Overrides for the created ledger table. Default: on-demand, AWS-managed encryption, point-in-time recovery, TTL on <c>expiresAt</c>.</summary>
    public TableProps? LedgerTableProps { get; init; }

    // 3. Safety switches.

    /// <summary>Deploy a dead-letter queue for failed work and failed asynchronous events. Default: true.</summary>
    public bool? DeployDeadLetterQueue { get; init; }

    /// <summary>Receives before a work message moves to the dead-letter queue. Default: 5.</summary>
    public double? MaxReceiveCount { get; init; }

    /// <summary>Create CloudWatch alarms (errors, throttles, concurrency at its cap, invocation spike, DLQ depth). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>SNS topic notified when an alarm changes state. Default: none (alarms are visible in CloudWatch only).</summary>
    public ITopic? AlarmTopic { get; init; }

    /// <summary>Processor invocations per five minutes that raise the invocation-spike alarm. Default: 1000.</summary>
    public double? InvocationsAlarmThreshold { get; init; }

    // 4. Encryption keys.

    /// <summary>Customer-managed KMS key for the created buckets. Default: S3-managed encryption (SSE-S3).</summary>
    public IKey? BucketEncryptionKey { get; init; }

    // 5. Handler tuning.

    /// <summary>Processor memory in MB (only for a function the construct creates). Default: 512.</summary>
    public double? ProcessorMemorySize { get; init; }

    /// <summary>Processor timeout; also sizes the work queue's visibility timeout (6x). Default: 30 seconds.</summary>
    public Duration? ProcessorTimeout { get; init; }

    /// <summary>
    /// Reserved concurrency of the processor (and maximum concurrency of its SQS event source): the safety net
    /// that bounds a runaway. Default: 5.
    /// </summary>
    public double? ProcessorReservedConcurrency { get; init; }

    /// <summary>Records per processor invocation. Default: 10.</summary>
    public double? BatchSize { get; init; }

    /// <summary>Application log level of the functions the construct creates (DEBUG, INFO, WARN, ERROR). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>X-Ray active tracing on the functions the construct creates. Default: false.</summary>
    public bool? EnableTracing { get; init; }

    /// <summary>Retention of the functions' log groups. Default: three months.</summary>
    public RetentionDays? LogRetention { get; init; }

    // 6. The pattern's semantics.

    /// <summary>How the loop is prevented. Default: <see cref="ProcessingStrategy.SeparateBucket"/>.</summary>
    public ProcessingStrategy? Strategy { get; init; }

    /// <summary>Only keys starting with this prefix are processed (e.g. <c>incoming/</c>). Required by KeyFilter. Default: every key.</summary>
    public string? InputPrefix { get; init; }

    /// <summary>Only keys ending with this suffix are processed (e.g. <c>.csv</c>). Default: any suffix.</summary>
    public string? InputSuffix { get; init; }

    /// <summary>
    /// Output key prefix (SeparateBucket and KeyFilter). The output key is this prefix followed by the input key
    /// without <see cref="InputPrefix"/>, so nested paths are preserved. Required by KeyFilter. Default: empty.
    /// </summary>
    public string? OutputPrefix { get; init; }

    /// <summary>User-metadata key that marks an original (ObjectMetadata). Lower case, as S3 stores it. Default: <c>original</c>.</summary>
    public string? MarkerKey { get; init; }

    /// <summary>Value of <see cref="MarkerKey"/> that marks an original. Default: <c>true</c>.</summary>
    public string? MarkerValue { get; init; }

    /// <summary>How long a ledger entry is kept (ProcessedLedger); a duplicate delivery within it is ignored. Default: 1 day.</summary>
    public Duration? LedgerTtl { get; init; }
}
