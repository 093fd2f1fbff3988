using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.ColdStart.Hello;

/// <summary>
/// A hello-world <c>bootstrap</c>: the runtime loop of the bundled handlers (<see cref="LambdaBootstrap"/>) serving one
/// handler, <c>Hello</c>, that ignores its input and answers a constant. What it costs to start and answer is the floor
/// every bundled handler is compared with.
/// </summary>
public static class Bootstrap
{
    private static readonly byte[] Answer = "{\"hello\":\"world\"}"u8.ToArray();

    /// <summary>The one handler string this executable serves.</summary>
    public static IReadOnlyDictionary<string, Func<LambdaHandler>> Handlers { get; } = new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        ["Hello"] = () => HelloAsync,
    };

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(Handlers);

    private static Task<Stream> HelloAsync(Stream input) => Task.FromResult<Stream>(new MemoryStream(Answer, writable: false));
}
