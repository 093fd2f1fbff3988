using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>
/// The <c>bootstrap</c> executable of mwaa-scheduler.zip (Native AOT, <c>provided.al2023</c>): serves the handler named
/// by the function's handler string. The three are tasks of the MwaaScheduler pause and resume workflows.
/// </summary>
public static class Bootstrap
{
    /// <summary>Handler strings and the entry point each one creates (once per execution environment).</summary>
    public static IReadOnlyDictionary<string, Func<LambdaHandler>> Handlers { get; } = new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        [nameof(MwaaDagRuns)] = () => new MwaaDagRuns().HandleAsync,
        [nameof(MwaaBackupCatalog)] = () => new MwaaBackupCatalog().HandleAsync,
        [nameof(MwaaLock)] = () => new MwaaLock().HandleAsync,
    };

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(Handlers);
}
