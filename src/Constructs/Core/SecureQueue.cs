using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>A queue and, optionally, its dead-letter queue, both encrypted and TLS-only.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="DeadLetterQueue">Its dead-letter queue, when one was deployed.</param>
internal sealed record QueueWithDlq(Queue Queue, Queue? DeadLetterQueue);

/// <summary>The one place queues are created.</summary>
internal static partial class SecureQueue
{
    /// <summary>How long failed messages are kept for inspection and redrive.</summary>
    public static readonly Duration DeadLetterRetention = Duration.Days(14);

    /// <summary>Creates a dead-letter queue (SSE, TLS-only, 14-day retention).</summary>
    public static Queue CreateDeadLetterQueue(Construct scope, string id)
    {
        var queue = new Queue(scope, id, new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = DeadLetterRetention,
        });
        NagSuppressions.Add(queue,
            new NagSuppression("AwsSolutions-SQS3", "This queue is itself the dead-letter queue."),
            new NagSuppression("Serverless-SQSRedrivePolicy", "This queue is itself the dead-letter queue; messages stay here (14 days) for inspection and redrive."));
        return queue;
    }

    /// <summary>SQS's longest visibility timeout (12 hours).</summary>
    public const double MaxVisibilitySeconds = 43200;

    /// <summary>
    /// The rules of a work queue that, broken, fail at deploy rather than at synth: a visibility timeout below its
    /// consumer function's timeout (Lambda refuses the event source mapping), above SQS's 12 hours, or a FIFO queue
    /// (S3 notifications and our producers send standard messages, and a FIFO queue cannot redrive to a standard DLQ).
    /// </summary>
    /// <param name="v">Where problems are recorded.</param>
    /// <param name="overrides">The user's queue props.</param>
    /// <param name="queueProp">Name of the queue props, e.g. <c>WorkQueueProps</c>.</param>
    /// <param name="sizingTimeout">The timeout the default visibility is 6 x of.</param>
    /// <param name="consumerTimeout">The consumer function's actual timeout, when it differs from <paramref name="sizingTimeout"/>.</param>
    /// <param name="consumerProp">The prop that sets the consumer's timeout.</param>
    /// <param name="sizingProp">The prop that sets <paramref name="sizingTimeout"/>.</param>
    /// <param name="producer">What sends to the queue, for the FIFO message.</param>
    public static void Validate(PropsValidator v, QueueProps? overrides, string queueProp, Duration sizingTimeout, Duration? consumerTimeout,
        string consumerProp, string sizingProp, string producer)
    {
        var consumer = consumerTimeout ?? sizingTimeout;
        var consumerSeconds = PropsValidator.Seconds(consumer);
        if (overrides?.VisibilityTimeout is { } visibility)
        {
            var seconds = PropsValidator.Seconds(visibility);
            v.When(seconds < consumerSeconds, $"{queueProp}.VisibilityTimeout",
                    $"is shorter than the consumer function's timeout ({consumerProp}, {consumer.ToHumanString()}), so Lambda refuses the queue as its event source at deploy",
                    visibility, $"raise it to at least 6 x {consumerProp} (AWS's advice, and the default when you leave it out)")
                .When(seconds > MaxVisibilitySeconds, $"{queueProp}.VisibilityTimeout", "must be at most 12 hours (SQS's limit)", visibility,
                    "lower it, or leave it out for 6 x the consumer's timeout");
        }
        else
        {
            var defaultSeconds = PropsValidator.Seconds(sizingTimeout) * 6;
            v.When(consumerSeconds > defaultSeconds, consumerProp,
                $"is longer than the work queue's visibility timeout ({defaultSeconds} seconds, 6 x the timeout it is sized from), so Lambda refuses the queue as the function's event source at deploy",
                consumer, $"set {sizingProp} to the same value (the queue is sized from it), or {queueProp}.VisibilityTimeout to at least 6 x this timeout");
        }

        v.FiniteNumbers(queueProp, overrides);

        // CDK makes a queue FIFO from any of these, not only from Fifo = true.
        var (fifoProp, fifoValue) = overrides switch
        {
            { Fifo: true } => ("Fifo", "true"),
            { Fifo: null, QueueName: { } name } when !Token.IsUnresolved(name) && name.EndsWith(".fifo", StringComparison.Ordinal) => ("QueueName", $"\"{name}\""),
            { Fifo: null, ContentBasedDeduplication: true } => ("ContentBasedDeduplication", "true"),
            { Fifo: null, DeduplicationScope: { } scope } => ("DeduplicationScope", scope.ToString()),
            { Fifo: null, FifoThroughputLimit: { } limit } => ("FifoThroughputLimit", limit.ToString()),
            _ => (null, null),
        };
        v.When(fifoProp is not null, $"{queueProp}.{fifoProp}",
            $"makes the work queue FIFO, but {producer} standard messages (and its dead-letter queue is a standard queue), so it fails at deploy or at the first message",
            fifoValue, fifoProp == "QueueName" ? "drop the .fifo suffix" : $"remove {fifoProp}");

        v.When(fifoProp != "QueueName" && overrides?.QueueName is { } queueName && !Token.IsUnresolved(queueName) && !QueueNamePattern().IsMatch(queueName), $"{queueProp}.QueueName",
            "is not a name SQS accepts (1-80 letters, digits, '-' or '_'), so the deploy fails", overrides?.QueueName, "e.g. \"orders-work\", or leave it out for a generated name");
        foreach (var (prop, value) in new (string, Duration?)[]
                 {
                     ("VisibilityTimeout", overrides?.VisibilityTimeout), ("RetentionPeriod", overrides?.RetentionPeriod),
                     ("DeliveryDelay", overrides?.DeliveryDelay), ("ReceiveMessageWaitTime", overrides?.ReceiveMessageWaitTime),
                     ("DataKeyReuse", overrides?.DataKeyReuse),
                 })
        {
            v.When(PropsValidator.NotWholeSeconds(value), $"{queueProp}.{prop}", "must be a whole number of seconds (SQS takes whole seconds)", value,
                "round it, e.g. Duration.Seconds(...)");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial System.Text.RegularExpressions.Regex QueueNamePattern();

    /// <summary>
    /// Lets S3 deliver to <paramref name="queue"/> only on behalf of buckets in this stack's account. CDK's
    /// notification grant limits the sender to the bucket's ARN; bucket names are global, so pinning the account too
    /// guards against a confused deputy (a same-named bucket in another account after this one was deleted).
    /// </summary>
    public static void AllowS3FromThisAccountOnly(IQueue queue) =>
        queue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.DENY,
            Principals = [new ServicePrincipal("s3.amazonaws.com")],
            Actions = ["sqs:SendMessage"],
            Resources = [queue.QueueArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(queue).Account },
            },
        }));

    /// <summary>
    /// Creates a queue whose visibility timeout is at least six times <paramref name="consumerTimeout"/>
    /// (AWS's guidance for Lambda consumers), redriving to <paramref name="deadLetterQueue"/> after
    /// <paramref name="maxReceiveCount"/> receives.
    /// </summary>
    public static Queue Create(Construct scope, string id, QueueProps? overrides, Duration consumerTimeout,
        IQueue? deadLetterQueue, double maxReceiveCount, string constructName)
    {
        var defaults = new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            VisibilityTimeout = Duration.Seconds(consumerTimeout.ToSeconds() * 6),
            DeadLetterQueue = deadLetterQueue is null
                ? null
                : new DeadLetterQueue { Queue = deadLetterQueue, MaxReceiveCount = maxReceiveCount },
        };
        var props = PropsMerger.Merge(defaults, overrides);
        var queue = new Queue(scope, id, props);
        if (props.VisibilityTimeout is { } vt && vt.ToSeconds() < consumerTimeout.ToSeconds() * 6)
        {
            Warnings.Add(queue, constructName, "queueVisibility",
                $"{id}: VisibilityTimeout {vt.ToHumanString()} is below 6x the consumer timeout ({consumerTimeout.ToHumanString()}); messages may be processed twice.");
        }

        if (overrides?.EnforceSSL == false)
        {
            Warnings.Add(queue, constructName, "queueTls", $"{id}: EnforceSSL is off.");
        }

        return queue;
    }
}
