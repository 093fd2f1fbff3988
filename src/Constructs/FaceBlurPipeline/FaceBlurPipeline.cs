using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Notifications;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.FaceBlurPipeline;

/// <summary>
/// Blurs every face in JPEG and PNG images uploaded to a bucket and writes the result (metadata stripped) to a
/// destination: S3 -> SQS -> a bundled C# worker throttled to the DetectFaces rate you give it -> Amazon Rekognition
/// DetectFaces -> irreversible blur -> destination bucket. Fail closed: nothing reaches the destination unless it was
/// blurred; what cannot be blurred waits in the dead-letter queue with its reason.
/// </summary>
public class FaceBlurPipeline : Construct
{
    private const string Name = nameof(FaceBlurPipeline);

    /// <summary>Rekognition's size limit for images passed as S3 objects (15 MB).</summary>
    public const long MaxImageBytes = 15L * 1024 * 1024;

    /// <summary>The shortest time the worker is assumed to spend per image (detection round trip plus blur), used to turn a request rate into concurrency.</summary>
    public static readonly Duration MinSecondsPerImage = Duration.Millis(500);

    /// <summary>Where images are uploaded.</summary>
    public IBucket SourceBucket { get; }

    /// <summary>Where blurred images are written.</summary>
    public IBucket DestinationBucket { get; }

    /// <summary>The queue between S3 and the worker.</summary>
    public IQueue WorkQueue { get; }

    /// <summary>Images that could not be blurred, with the reason; null when disabled.</summary>
    public IQueue? DeadLetterQueue { get; }

    /// <summary>The bundled blur worker.</summary>
    public IFunction WorkerFunction { get; }

    /// <summary>The alarms created.</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>The key prefix that triggers blurring.</summary>
    public string InputPrefix { get; }

    /// <summary>Maximum concurrent workers derived from <see cref="FaceBlurPipelineProps.DetectionRequestsPerSecond"/>.</summary>
    public double WorkerMaxConcurrency { get; }

    /// <summary>Creates the pipeline.</summary>
    public FaceBlurPipeline(Construct scope, string id, FaceBlurPipelineProps? props = null)
        : base(scope, id)
    {
        props ??= new FaceBlurPipelineProps();
        Validate(props);

        var inputPrefix = props.InputPrefix ?? "";
        InputPrefix = inputPrefix;
        var destinationPrefix = props.DestinationPrefix ?? "";
        var timeout = props.WorkerTimeout ?? Duration.Seconds(60);
        WorkerMaxConcurrency = MaxConcurrencyFor(props.DetectionRequestsPerSecond ?? 5);

        SourceBucket = props.ExistingSourceBucket
            ?? SecureBucket.Create(this, "SourceBucket", props.SourceBucketProps, props.BucketEncryptionKey, Name);
        DestinationBucket = props.ExistingDestinationBucket
            ?? SecureBucket.Create(this, "DestinationBucket", props.DestinationBucketProps, props.BucketEncryptionKey, Name);
        var deadLetterQueue = props.DeployDeadLetterQueue ?? true ? SecureQueue.CreateDeadLetterQueue(this, "DeadLetterQueue") : null;
        DeadLetterQueue = deadLetterQueue;
        if (deadLetterQueue is null)
        {
            Warnings.Add(this, Name, "noDeadLetterQueue",
                "DeployDeadLetterQueue is false: an image that cannot be blurred is dropped after its retries (never published unblurred).");
        }

        // One value for the redrive policy and the worker's MAX_RECEIVE_COUNT (it parks an image itself, with the reason, on that receive).
        var maxReceiveCount = props.MaxReceiveCount ?? 3;
        var workQueue = SecureQueue.Create(this, "WorkQueue", props.WorkQueueProps, timeout, deadLetterQueue, maxReceiveCount, Name);
        WorkQueue = workQueue;

        var environment = new Dictionary<string, string>
        {
            ["SOURCE_BUCKET"] = SourceBucket.BucketName,
            ["INPUT_PREFIX"] = inputPrefix,
            ["DESTINATION_BUCKET"] = DestinationBucket.BucketName,
            ["DESTINATION_PREFIX"] = destinationPrefix,
            ["MAX_PIXELS"] = ((long)(props.MaxPixels ?? 40_000_000)).ToString(CultureInfo.InvariantCulture),
            ["MAX_IMAGE_BYTES"] = MaxImageBytes.ToString(CultureInfo.InvariantCulture),
            ["MIN_FACE_CONFIDENCE"] = (props.MinFaceConfidence ?? 50).ToString(CultureInfo.InvariantCulture),
        };
        if (deadLetterQueue is not null)
        {
            environment["DEAD_LETTER_QUEUE_URL"] = deadLetterQueue.QueueUrl;
            environment["MAX_RECEIVE_COUNT"] = maxReceiveCount.ToString(CultureInfo.InvariantCulture);
        }

        var worker = HandlerFunctions.CreateBundled(this, "WorkerFunction", BundledHandlers.FaceBlurWorker, new FunctionSettings
        {
            Description = "Blurs every face in uploaded JPEG/PNG images (Rekognition DetectFaces); fails closed.",
            MemorySize = props.WorkerMemorySize ?? 2048,
            Timeout = timeout,
            Environment = environment,
            LogLevel = props.LogLevel ?? "INFO",
            Tracing = props.EnableTracing ?? false,
            LogRetention = props.LogRetention ?? RetentionDays.THREE_MONTHS,
            DeadLetterQueue = deadLetterQueue,
        });
        WorkerFunction = worker;

        // Wiring: uploads -> queue -> worker, one image per invocation, at most WorkerMaxConcurrency at once.
        INotificationKeyFilter[] filter = inputPrefix.Length == 0 ? [] : [new NotificationKeyFilter { Prefix = inputPrefix }];
        SourceBucket.AddEventNotification(EventType.OBJECT_CREATED, new SqsDestination(workQueue), filter);
        // CDK limits S3's send to the source bucket's ARN; also pin the account (confused-deputy protection).
        SecureQueue.AllowS3FromThisAccountOnly(workQueue);
        worker.AddEventSource(new SqsEventSource(workQueue, new SqsEventSourceProps
        {
            BatchSize = 1,
            ReportBatchItemFailures = true,
            MaxConcurrency = WorkerMaxConcurrency,
        }));

        // Least privilege: read the uploads (the worker and, with its credentials, Rekognition), write the outputs,
        // call DetectFaces (which has no resource-level permissions), park bad input in the DLQ.
        var read = LeastPrivilege.ReadObjects(worker, SourceBucket, inputPrefix);
        var write = LeastPrivilege.WriteObjects(worker, DestinationBucket, destinationPrefix);
        worker.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["rekognition:DetectFaces"],
            Resources = ["*"],
        }));
        deadLetterQueue?.GrantSendMessages(worker);
        CommonSuppressions.OnRolePolicy(worker, read, write, new NagSuppression("AwsSolutions-IAM5",
            "rekognition:DetectFaces does not support resource-level permissions; it is the only Rekognition action granted.",
            "Resource::*"));
        CommonSuppressions.SqsEventSources(worker);

        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props, deadLetterQueue) : [];
        CdkHelperFunctions.Harden(this);
    }

    /// <summary>
    /// The worker's maximum concurrency for a DetectFaces budget: each worker handles one image at a time and
    /// spends at least <see cref="MinSecondsPerImage"/> on it, so N workers stay under N / 0.5 s requests per second.
    /// SQS event sources need at least 2; throttling beyond that is absorbed by the worker's retries with backoff.
    /// </summary>
    public static double MaxConcurrencyFor(double requestsPerSecond) =>
        Math.Max(2, Math.Floor(requestsPerSecond * MinSecondsPerImage.ToSeconds(new TimeConversionOptions { Integral = false })));

    /// <summary>Lets <paramref name="grantee"/> upload images that will be blurred.</summary>
    public Grant GrantUpload(IGrantable grantee) => SourceBucket.GrantPut(grantee, InputPrefix + "*");

    /// <summary>Lets <paramref name="grantee"/> read blurred images.</summary>
    public Grant GrantReadBlurred(IGrantable grantee) => DestinationBucket.GrantRead(grantee);

    /// <summary>Worker errors (sum over five minutes by default).</summary>
    public Metric MetricWorkerErrors(IMetricOptions? options = null) => WorkerFunction.MetricErrors(options ?? AlarmFactory.Sum5Min);

    /// <summary>Worker throttles (sum over five minutes by default).</summary>
    public Metric MetricWorkerThrottles(IMetricOptions? options = null) => WorkerFunction.MetricThrottles(options ?? AlarmFactory.Sum5Min);

    /// <summary>Age of the oldest image waiting to be blurred (maximum over one minute by default).</summary>
    public Metric MetricBacklogAge(IMetricOptions? options = null) => WorkQueue.MetricApproximateAgeOfOldestMessage(options ?? AlarmFactory.Max1Min);

    /// <summary>Images waiting in the dead-letter queue; null without one.</summary>
    public Metric? MetricDeadLetterMessages(IMetricOptions? options = null) =>
        DeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    private List<IAlarm> CreateAlarms(FaceBlurPipelineProps props, IQueue? deadLetterQueue)
    {
        var alarms = new AlarmFactory(this, props.AlarmTopic);
        alarms.AtLeast("WorkerErrorsAlarm", MetricWorkerErrors(), 1, "The blur worker reported errors (detection or processing failures are retried, then parked in the DLQ).");
        alarms.AtLeast("WorkerThrottlesAlarm", MetricWorkerThrottles(), 1, "The blur worker was throttled by Lambda.");
        alarms.AtLeast("BacklogAgeAlarm", MetricBacklogAge(), (props.BacklogAlarmAge ?? Duration.Minutes(15)).ToSeconds(),
            "Images are waiting longer than expected: uploads outpace the DetectFaces budget, or the worker is failing.");
        if (deadLetterQueue is not null)
        {
            alarms.AtLeast("DeadLetterQueueAlarm", MetricDeadLetterMessages()!, 1, "An image could not be blurred and waits in the dead-letter queue with its reason.");
        }

        return alarms.Alarms.ToList();
    }

    private static void Validate(FaceBlurPipelineProps p)
    {
        var input = p.InputPrefix ?? "";
        var output = p.DestinationPrefix ?? "";
        var sameBucket = SameResource.Buckets(p.ExistingSourceBucket, p.ExistingDestinationBucket);
        var v = new PropsValidator(Name);
        SecureQueue.Validate(v, p.WorkQueueProps, nameof(p.WorkQueueProps), p.WorkerTimeout ?? Duration.Seconds(60), null,
            nameof(p.WorkerTimeout), nameof(p.WorkerTimeout), "S3 event notifications are");
        v.FiniteNumbers(nameof(p.SourceBucketProps), p.SourceBucketProps).FiniteNumbers(nameof(p.DestinationBucketProps), p.DestinationBucketProps);
        v.Whole((nameof(p.MaxReceiveCount), p.MaxReceiveCount), (nameof(p.WorkerMemorySize), p.WorkerMemorySize))
            .Exclusive(nameof(p.ExistingSourceBucket), p.ExistingSourceBucket, nameof(p.SourceBucketProps), p.SourceBucketProps,
                "pass ExistingSourceBucket to use your bucket, or SourceBucketProps to tune the one the construct creates, not both")
            .Exclusive(nameof(p.ExistingDestinationBucket), p.ExistingDestinationBucket, nameof(p.DestinationBucketProps), p.DestinationBucketProps,
                "pass ExistingDestinationBucket to use your bucket, or DestinationBucketProps to tune the one the construct creates, not both")
            .When(sameBucket && (input.Length == 0 || output.Length == 0 || KeyPrefixes.Overlap(input, output)),
                nameof(p.ExistingDestinationBucket),
                $"is the same bucket as ExistingSourceBucket ({(sameBucket ? SameResource.DescribeBucket(p.ExistingSourceBucket!) : "")}), so blurred images would be blurred again (and again) unless InputPrefix and DestinationPrefix are both set and neither starts with the other",
                $"InputPrefix \"{input}\", DestinationPrefix \"{output}\"",
                "use a separate destination bucket, or set e.g. InputPrefix \"uploads/\" and DestinationPrefix \"blurred/\"")
            .When(PropsValidator.OutOfRange(p.DetectionRequestsPerSecond, 1, 2000), nameof(p.DetectionRequestsPerSecond),
                "must be between 1 and 2000 (your account's DetectFaces quota)", p.DetectionRequestsPerSecond, "the default is 5, the lowest regional default quota")
            .When(PropsValidator.OutOfRange(p.MaxReceiveCount, 1, 1000), nameof(p.MaxReceiveCount), "must be between 1 and 1000", p.MaxReceiveCount, "the default is 3")
            .When(PropsValidator.OutOfRange(p.WorkerMemorySize, 512, 10240), nameof(p.WorkerMemorySize),
                "must be between 512 and 10240 MB (decoding large images needs memory)", p.WorkerMemorySize, "the default is 2048")
            .When(PropsValidator.NotWholeSeconds(p.WorkerTimeout), nameof(p.WorkerTimeout), "must be a whole number of seconds (Lambda timeouts are)", p.WorkerTimeout,
                "round it, e.g. Duration.Seconds(60)")
            .When(PropsValidator.NotWholeSeconds(p.BacklogAlarmAge) || PropsValidator.OutOfRange(p.BacklogAlarmAge, 60, 14 * 86400), nameof(p.BacklogAlarmAge),
                "must be a whole number of seconds between 1 minute and 14 days (the longest a message can wait)", p.BacklogAlarmAge, "the default is 15 minutes")
            .When(PropsValidator.OutOfRange(p.WorkerTimeout, 10, 900), nameof(p.WorkerTimeout),
                "must be between 10 seconds and 15 minutes", p.WorkerTimeout, "the default is 60 seconds")
            .When(PropsValidator.OutOfRange(p.MaxPixels, 1_000_000, 200_000_000), nameof(p.MaxPixels),
                "must be between 1,000,000 and 200,000,000 (the decompression-bomb guard)", p.MaxPixels, "the default is 40,000,000")
            .When(PropsValidator.OutOfRange(p.MinFaceConfidence, 0, 100), nameof(p.MinFaceConfidence), "must be between 0 and 100", p.MinFaceConfidence, "the default is 50")
            .When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic),
                "was given but CreateAlarms is false, so nothing would notify it", "a topic", "remove AlarmTopic or set CreateAlarms to true")
            .When(input.StartsWith('/'), nameof(p.InputPrefix), "starts with '/', but S3 keys have no leading slash", input, "drop the leading '/'")
            .When(output.StartsWith('/'), nameof(p.DestinationPrefix), "starts with '/', but S3 keys have no leading slash", output, "drop the leading '/'")
            .When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
                nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO")
            .ThrowIfAny();
    }
}
