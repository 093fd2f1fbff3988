using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// The <c>bootstrap</c> executable of recursion-safe-s3-processor.zip (Native AOT, <c>provided.al2023</c>): serves the
/// handler named by the function's handler string.
/// </summary>
public static class Bootstrap
{
    /// <summary>Handler strings and the entry point each one creates (once per execution environment).</summary>
    public static IReadOnlyDictionary<string, Func<LambdaHandler>> Handlers { get; } = new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        [nameof(ObjectMetadataGuard)] = () => new ObjectMetadataGuard().HandleAsync,
        [nameof(LedgerRecorder)] = () => new LedgerRecorder().HandleAsync,
        [nameof(ContentStampProcessor)] = () => new ContentStampProcessor().HandleAsync,
    };

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(Handlers);
}
