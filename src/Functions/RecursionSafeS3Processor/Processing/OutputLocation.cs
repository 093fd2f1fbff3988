using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>A bucket and an object key.</summary>
public readonly record struct S3Location(string Bucket, string Key);

/// <summary>Where the processor writes the output for a source key, per <see cref="Strategy"/>.</summary>
public static class OutputLocation
{
    /// <summary>
    /// <see cref="Strategy.SeparateBucket"/>: <c>OUTPUT_BUCKET</c>, <c>OUTPUT_PREFIX</c> + key without <c>INPUT_PREFIX</c>.
    /// <see cref="Strategy.KeyFilter"/>: the source bucket, <c>OUTPUT_PREFIX</c> + key without <c>INPUT_PREFIX</c>
    /// (nested paths are kept: <c>incoming/a/b/c.txt</c> becomes <c>processed/a/b/c.txt</c>).
    /// <see cref="Strategy.ObjectMetadata"/> and <see cref="Strategy.ProcessedLedger"/>: in place, same bucket and key.
    /// </summary>
    /// <param name="settings">The processor's settings.</param>
    /// <param name="sourceKey">A decoded key inside the source scope (it starts with <c>INPUT_PREFIX</c>).</param>
    /// <exception cref="BadInputException">The output key would be empty (the source key is the input prefix itself).</exception>
    public static S3Location Resolve(ProcessorSettings settings, string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sourceKey);
        string inputPrefix = settings.Scope.InputPrefix;
        if (!sourceKey.StartsWith(inputPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The key does not start with INPUT_PREFIX ({inputPrefix}).", nameof(sourceKey));
        }

        S3Location output = settings.Strategy switch
        {
            Strategy.SeparateBucket => new(settings.OutputBucket, settings.OutputPrefix + sourceKey[inputPrefix.Length..]),
            Strategy.KeyFilter => new(settings.Scope.SourceBucket, settings.OutputPrefix + sourceKey[inputPrefix.Length..]),
            Strategy.ObjectMetadata or Strategy.ProcessedLedger => new(settings.Scope.SourceBucket, sourceKey),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Strategy, "Unknown strategy."),
        };
        return output.Key.Length > 0
            ? output
            : throw new BadInputException("the object key equals INPUT_PREFIX, which leaves no name for the output");
    }

    /// <summary>Whether the output replaces the source object (same bucket and key).</summary>
    public static bool IsInPlace(Strategy strategy) => strategy is Strategy.ObjectMetadata or Strategy.ProcessedLedger;
}
