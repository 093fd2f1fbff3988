using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;

namespace Patterns.Cdk.ApiPoller;

/// <summary>Properties of an <see cref="ApiPoller"/>. Only <see cref="Sources"/> is required.</summary>
public sealed class ApiPollerProps
{
    // 1. Bring your own resources.

    /// <summary>
    /// Progress table to use: partition key <c>pk</c> (string), sort key <c>sk</c> (string), TTL attribute
    /// <c>expiresAt</c>, and a stream with NEW_IMAGE (the pipe that starts jobs reads it).
    /// Default: a new on-demand, encrypted table with point-in-time recovery.
    /// </summary>
    public ITable? ExistingTable { get; init; }

    /// <summary>Bucket for plans and fetched pages (keys under <c>jobs/</c> and <c>map-results/</c>). Default: a new private, encrypted, versioned bucket whose job objects expire after <see cref="JobTtl"/>.</summary>
    public IBucket? ExistingBucket { get; init; }

    /// <summary>
    /// The function each fetched page is handed to (synchronous Invoke by the bundled consumer with
    /// <c>{"jobId","source","page","bucket","key","bytes"}</c>; an error marks the page PROCESSING_FAILED after the
    /// queue's retries). Default: the bundled example processing (reads the page and records it COMPLETED).
    /// </summary>
    public IFunction? ExistingProcessorFunction { get; init; }

    // 2. Overrides of created resources.

    /// <summary>Overrides for the created progress table (the key schema, TTL attribute and stream are fixed). Default: on-demand, AWS-managed encryption, PITR, retained.</summary>
    public TableProps? TableProps { get; init; }

    /// <summary>Overrides for the created payload bucket. Default: private, SSE-S3, TLS-only, versioned, job objects expire after <see cref="JobTtl"/>.</summary>
    public BucketProps? BucketProps { get; init; }

    /// <summary>
    /// Overrides for the work queue between the fetchers and the consumer. (The queue cannot be supplied: its
    /// visibility timeout and redrive policy are part of the exactly-recorded progress.) Default: SSE-SQS, TLS-only,
    /// visibility 6 x the consumer timeout, dead-letter queue.
    /// </summary>
    public QueueProps? QueueProps { get; init; }

    // 3. Safety switches.

    /// <summary>Deploy a dead-letter queue for pages that keep failing. Default: true.</summary>
    public bool? DeployDeadLetterQueue { get; init; }

    /// <summary>Receives of a page message before it moves to the dead-letter queue (1-100). Default: 3.</summary>
    public double? MaxReceiveCount { get; init; }

    /// <summary>Create CloudWatch alarms (failed and timed-out jobs, dead letters, consumer errors, throttles, pipe and scheduler dead letters). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>SNS topic notified when an alarm changes state. Default: none.</summary>
    public ITopic? AlarmTopic { get; init; }

    // 4. Encryption keys.

    /// <summary>Customer-managed KMS key for the created payload bucket. Default: S3-managed encryption.</summary>
    public IKey? BucketEncryptionKey { get; init; }

    /// <summary>Customer-managed KMS key for the created progress table. Default: AWS-managed encryption.</summary>
    public IKey? TableEncryptionKey { get; init; }

    // 5. Handler tuning.

    /// <summary>Memory of the job API function in MB (128-10,240). Default: 512.</summary>
    public double? ApiMemorySize { get; init; }

    /// <summary>Memory of the planner in MB (128-10,240). Default: 512.</summary>
    public double? PlannerMemorySize { get; init; }

    /// <summary>Timeout of the planner (it fetches the first page and writes the manifest; 10 seconds-15 minutes). Default: 2 minutes.</summary>
    public Duration? PlannerTimeout { get; init; }

    /// <summary>Memory of the page and cursor fetchers in MB (128-10,240). Default: 512.</summary>
    public double? FetcherMemorySize { get; init; }

    /// <summary>
    /// Timeout of the page and cursor fetchers (they time-box themselves and hand back the pages they did not start;
    /// 30 seconds-4 minutes, at least 3 x the longest request timeout). Default: 2 minutes.
    /// </summary>
    public Duration? FetcherTimeout { get; init; }

    /// <summary>Memory of the consumer in MB (128-10,240). Default: 512.</summary>
    public double? ConsumerMemorySize { get; init; }

    /// <summary>Timeout of the consumer; also sizes the queue's visibility timeout (6x) (5 seconds-15 minutes). Default: 60 seconds.</summary>
    public Duration? ConsumerTimeout { get; init; }

    /// <summary>Most concurrent consumers (the SQS event source's maximum concurrency, 2-1,000). Default: 10.</summary>
    public double? ConsumerMaxConcurrency { get; init; }

    /// <summary>Application log level of the bundled functions (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Retention of the functions', the workflow's and the API's log groups. Default: three months.</summary>
    public RetentionDays? LogRetention { get; init; }

    /// <summary>X-Ray active tracing on the functions and the workflow. Default: false.</summary>
    public bool? EnableTracing { get; init; }

    // 6. The pattern's semantics.

    /// <summary>The partner APIs jobs may fetch (1-20, unique names). Required.</summary>
    public IReadOnlyList<PartnerSource>? Sources { get; init; }

    /// <summary>Jobs that start on a schedule (EventBridge Scheduler, with time zone). Default: none.</summary>
    public IReadOnlyList<JobSchedule>? Schedules { get; init; }

    /// <summary>Pages per Distributed Map child (ItemBatcher MaxItemsPerBatch, 1-1,000); fewer, larger children cost fewer transitions. Default: 25.</summary>
    public double? PagesPerBatch { get; init; }

    /// <summary>How long progress items and job objects are kept (1-365 days). Default: 7 days.</summary>
    public Duration? JobTtl { get; init; }

    /// <summary>Longest a job's workflow execution may run (each cursor continuation gets its own); must exceed one fetch's worst retry chain. Default: 24 hours.</summary>
    public Duration? JobTimeout { get; init; }

    /// <summary>Who may call the job API. Default: <see cref="ApiAuthorization.Iam"/>.</summary>
    public ApiAuthorization? ApiAuthorization { get; init; }

    /// <summary>Steady-state requests per second the job API accepts (1-10,000). Default: 50.</summary>
    public double? ApiRateLimit { get; init; }

    /// <summary>Burst of requests the job API accepts (1-5,000). Default: 100.</summary>
    public double? ApiBurstLimit { get; init; }

    /// <summary>What the workflow logs; ALL would write execution events (never payload data: execution data stays off). Default: ERROR.</summary>
    public LogLevel? StateMachineLogLevel { get; init; }
}
