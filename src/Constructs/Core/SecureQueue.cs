using Amazon.CDK;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>A queue and, optionally, its dead-letter queue, both encrypted and TLS-only.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="DeadLetterQueue">Its dead-letter queue, when one was deployed.</param>
internal sealed record QueueWithDlq(Queue Queue, Queue? DeadLetterQueue);

/// <summary>The one place queues are created.</summary>
internal static class SecureQueue
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
