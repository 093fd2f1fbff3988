using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.ColdStart.OneHandler;

/// <summary>The runtime loop serving the one handler this executable was built for (see the project file).</summary>
public static class Bootstrap
{
    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        [TheHandler.Name] = TheHandler.Create,
    });
}
