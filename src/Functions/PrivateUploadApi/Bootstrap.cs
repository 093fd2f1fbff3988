using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// The <c>bootstrap</c> executable of private-upload-api.zip (Native AOT, <c>provided.al2023</c>): serves the handler
/// named by the function's handler string.
/// </summary>
public static class Bootstrap
{
    /// <summary>Handler strings and the entry point each one creates (once per execution environment).</summary>
    public static IReadOnlyDictionary<string, Func<LambdaHandler>> Handlers { get; } = new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        [nameof(UploadSessions)] = () => new UploadSessions().HandleAsync,
        [nameof(UploadCompleter)] = () => new UploadCompleter().HandleAsync,
        [nameof(DirectUpload)] = () => new DirectUpload().HandleAsync,
    };

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(Handlers);
}
