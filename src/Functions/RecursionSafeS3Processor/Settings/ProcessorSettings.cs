using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>Settings of <see cref="ContentStampProcessor"/>.</summary>
/// <param name="Scope"><c>SOURCE_BUCKET</c>, <c>INPUT_PREFIX</c>.</param>
/// <param name="Strategy"><c>STRATEGY</c>: where outputs go (see <see cref="OutputLocation"/>).</param>
/// <param name="OutputBucket"><c>OUTPUT_BUCKET</c>: required for <see cref="Strategy.SeparateBucket"/>, ignored otherwise.</param>
/// <param name="OutputPrefix"><c>OUTPUT_PREFIX</c> (may be empty): used by <see cref="Strategy.SeparateBucket"/> and <see cref="Strategy.KeyFilter"/>.</param>
/// <param name="DeadLetterQueueUrl"><c>DEAD_LETTER_QUEUE_URL</c> (optional): where bad SQS messages go (and, for the ledger strategy, null stream entries; other bad stream records reach it as the event source mapping's on-failure records); without it they are reported as failed and left to the queue.</param>
public sealed record ProcessorSettings(SourceScope Scope, Strategy Strategy, string OutputBucket, string OutputPrefix, string? DeadLetterQueueUrl)
{
    /// <summary><c>MAX_RECEIVE_COUNT</c> (optional): the queue's redrive <c>maxReceiveCount</c>; an SQS message that still fails
    /// on that receive is parked in <c>DEAD_LETTER_QUEUE_URL</c> with the reason (see <see cref="SqsBatchProcessor"/>).</summary>
    public int? MaxReceiveCount { get; init; }

    /// <exception cref="InvalidOperationException">A variable is missing or invalid, or the configuration could loop; the message lists every problem.</exception>
    public static ProcessorSettings FromEnvironment(Func<string, string?> environment)
    {
        var reader = new SettingsReader(environment);
        SourceScope scope = SourceScope.Read(reader);
        Strategy strategy = reader.OneOf<Strategy>("STRATEGY");
        string outputBucket = strategy == Strategy.SeparateBucket ? reader.Required("OUTPUT_BUCKET") : reader.Optional("OUTPUT_BUCKET");
        string outputPrefix = reader.Optional("OUTPUT_PREFIX");
        string? deadLetterQueueUrl = reader.Optional("DEAD_LETTER_QUEUE_URL") is { Length: > 0 } url ? url : null;
        var settings = new ProcessorSettings(scope, strategy, outputBucket, outputPrefix, deadLetterQueueUrl)
        {
            MaxReceiveCount = reader.OptionalPositiveInt32("MAX_RECEIVE_COUNT"),
        };
        settings.CheckLoopSafety(reader);
        reader.ThrowIfInvalid(nameof(ContentStampProcessor));
        return settings;
    }

    private void CheckLoopSafety(SettingsReader reader)
    {
        if (Strategy == Strategy.SeparateBucket && OutputBucket.Length > 0 && string.Equals(OutputBucket, Scope.SourceBucket, StringComparison.Ordinal))
        {
            reader.AddProblem($"OUTPUT_BUCKET must differ from SOURCE_BUCKET with STRATEGY=SeparateBucket (both are '{OutputBucket}'); use KeyFilter, ObjectMetadata or ProcessedLedger to write into the source bucket");
        }

        // Output key = OUTPUT_PREFIX + (key without INPUT_PREFIX). If either prefix starts with the other, some
        // output keys fall under INPUT_PREFIX again (always, or for keys like INPUT_PREFIX + INPUT_PREFIX + "x").
        if (Strategy == Strategy.KeyFilter
            && (OutputPrefix.StartsWith(Scope.InputPrefix, StringComparison.Ordinal) || Scope.InputPrefix.StartsWith(OutputPrefix, StringComparison.Ordinal)))
        {
            reader.AddProblem($"with STRATEGY=KeyFilter, INPUT_PREFIX ('{Scope.InputPrefix}') and OUTPUT_PREFIX ('{OutputPrefix}') must both be set and neither may start with the other, or outputs would trigger the processor again (for example incoming/ and processed/)");
        }
    }
}
