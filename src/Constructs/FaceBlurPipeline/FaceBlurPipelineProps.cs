using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;

namespace Patterns.Cdk.FaceBlurPipeline;

/// <summary>Properties of a <see cref="FaceBlurPipeline"/>. Every property is optional.</summary>
public sealed class FaceBlurPipelineProps
{
    // 1. Bring your own resources.

    /// <summary>The bucket where images are uploaded. Default: a new private, encrypted, versioned bucket.</summary>
    public IBucket? ExistingSourceBucket { get; init; }

    /// <summary>
    /// Where blurred images are written (same key, under <see cref="DestinationPrefix"/>). It may be the source bucket
    /// itself only with non-overlapping <see cref="InputPrefix"/> and <see cref="DestinationPrefix"/>.
    /// Default: a new private, encrypted, versioned bucket.
    /// </summary>
    public IBucket? ExistingDestinationBucket { get; init; }

    // 2. Overrides of created resources.

    /// <summary>Overrides for the created source bucket. Default: private, SSE-S3, TLS-only, versioned, lifecycle.</summary>
    public BucketProps? SourceBucketProps { get; init; }

    /// <summary>Overrides for the created destination bucket. Default: as the source bucket.</summary>
    public BucketProps? DestinationBucketProps { get; init; }

    /// <summary>Overrides for the work queue. Default: SSE-SQS, TLS-only, visibility 6 x the worker timeout, DLQ.</summary>
    public QueueProps? WorkQueueProps { get; init; }

    // 3. Safety switches.

    /// <summary>Deploy a dead-letter queue for images that cannot be blurred. Default: true.</summary>
    public bool? DeployDeadLetterQueue { get; init; }

    /// <summary>Receives before an image's message moves to the dead-letter queue. Default: 3.</summary>
    public double? MaxReceiveCount { get; init; }

    /// <summary>Create CloudWatch alarms (DLQ depth, age of oldest message, errors, throttles). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>SNS topic notified when an alarm changes state. Default: none.</summary>
    public ITopic? AlarmTopic { get; init; }

    /// <summary>Age of the oldest waiting image that raises the backlog alarm. Default: 15 minutes.</summary>
    public Duration? BacklogAlarmAge { get; init; }

    // 4. Encryption keys.

    /// <summary>Customer-managed KMS key for the created buckets. Default: S3-managed encryption.</summary>
    public IKey? BucketEncryptionKey { get; init; }

    // 5. Handler tuning.

    /// <summary>Worker memory in MB (CPU scales with it; blurring a 12-megapixel JPEG peaks at ~120 MB). Default: 2048.</summary>
    public double? WorkerMemorySize { get; init; }

    /// <summary>Worker timeout; also sizes the work queue's visibility timeout (6x). Default: 60 seconds.</summary>
    public Duration? WorkerTimeout { get; init; }

    /// <summary>Application log level (DEBUG, INFO, WARN, ERROR). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>X-Ray active tracing on the worker. Default: false.</summary>
    public bool? EnableTracing { get; init; }

    /// <summary>Retention of the worker's log group. Default: three months.</summary>
    public RetentionDays? LogRetention { get; init; }

    // 6. The pattern's semantics.

    /// <summary>
    /// The DetectFaces request rate the pipeline may use (your account's Rekognition quota for the region, or the part
    /// of it this pipeline may take). Turned into the worker's maximum concurrency; see the construct's doc for the math.
    /// Default: 5, the lowest regional default quota for DetectFaces.
    /// </summary>
    public double? DetectionRequestsPerSecond { get; init; }

    /// <summary>Only keys starting with this prefix are processed. Default: every key.</summary>
    public string? InputPrefix { get; init; }

    /// <summary>Output key prefix; the output key is this prefix followed by the input key without <see cref="InputPrefix"/>. Default: empty (same key).</summary>
    public string? DestinationPrefix { get; init; }

    /// <summary>Largest image (width x height) decoded; bigger ones go to the DLQ before any pixel is decoded. Default: 40,000,000.</summary>
    public double? MaxPixels { get; init; }

    /// <summary>Faces detected with less confidence (0-100) are ignored. Default: 50.</summary>
    public double? MinFaceConfidence { get; init; }
}
