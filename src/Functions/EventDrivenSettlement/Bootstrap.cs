using System.Text;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>
/// TEMPORARY placeholder (branch settle-fn replaces this project at merge): the <c>bootstrap</c> executable of
/// event-driven-settlement.zip with the two handler strings the construct uses.
/// </summary>
public static class Bootstrap
{
    /// <summary>Handler strings and the entry point each one creates (once per execution environment).</summary>
    public static IReadOnlyDictionary<string, Func<LambdaHandler>> Handlers { get; } = new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        [nameof(SettlementConsumer)] = () => new SettlementConsumer().HandleAsync,
        [nameof(SettlementApi)] = () => new SettlementApi().HandleAsync,
    };

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(Handlers);
}

/// <summary>TEMPORARY placeholder of the SQS consumer: fails every batch, so messages stay in the queue (then its DLQ).</summary>
public sealed class SettlementConsumer
{
    private readonly string _message = "placeholder handler: replaced by branch settle-fn at merge";

    /// <summary>Placeholder entry point.</summary>
    public Task<Stream> HandleAsync(Stream input) => throw new NotSupportedException(_message);
}

/// <summary>TEMPORARY placeholder of the REST handler: answers 501.</summary>
public sealed class SettlementApi
{
    private readonly byte[] _response = Encoding.UTF8.GetBytes("{\"statusCode\":501,\"body\":\"{\\\"message\\\":\\\"placeholder\\\"}\"}");

    /// <summary>Placeholder entry point.</summary>
    public Task<Stream> HandleAsync(Stream input) => Task.FromResult<Stream>(new MemoryStream(_response, writable: false));
}
