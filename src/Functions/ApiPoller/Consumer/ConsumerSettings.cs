using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Consumer;

/// <summary>Settings of <see cref="TaskConsumer"/>, read from the function's environment.</summary>
internal sealed record ConsumerSettings
{
    public required ProgressSettings Progress { get; init; }

    /// <summary><c>PAYLOAD_BUCKET</c>: pointers to any other bucket are bad input.</summary>
    public required string PayloadBucket { get; init; }

    /// <summary><c>MAX_RECEIVE_COUNT</c>: the queue's redrive maxReceiveCount; a failure on that receive is recorded PROCESSING_FAILED.</summary>
    public required int MaxReceiveCount { get; init; }

    /// <summary><c>DEAD_LETTER_QUEUE_URL</c> (optional): where bad input is parked.</summary>
    public string? DeadLetterQueueUrl { get; init; }

    /// <summary><c>PROCESSOR_FUNCTION_ARN</c> (optional): the user's processor; the bundled example processing when unset.</summary>
    public string? ProcessorFunctionArn { get; init; }

    public required string Region { get; init; }

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static ConsumerSettings FromEnvironment(Func<string, string?> environment)
    {
        var reader = new SettingsReader(environment);
        var settings = new ConsumerSettings
        {
            Progress = ProgressSettings.Read(reader),
            PayloadBucket = reader.Required("PAYLOAD_BUCKET"),
            MaxReceiveCount = reader.PositiveInt32("MAX_RECEIVE_COUNT"),
            DeadLetterQueueUrl = reader.Optional("DEAD_LETTER_QUEUE_URL") is { Length: > 0 } dlq ? dlq : null,
            ProcessorFunctionArn = reader.Optional("PROCESSOR_FUNCTION_ARN") is { Length: > 0 } arn ? arn : null,
            Region = reader.Required("AWS_REGION"),
        };
        reader.ThrowIfInvalid(nameof(TaskConsumer));
        return settings;
    }
}
