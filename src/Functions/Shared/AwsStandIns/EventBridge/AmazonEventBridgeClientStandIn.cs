using System.Text.Json;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// <b>A stand-in for the official <c>AmazonEventBridgeClient</c></b> (<c>AWSSDK.EventBridge</c>), which this build cannot
/// reference: one operation, <c>PutEvents</c> (awsJson 1.1, <c>X-Amz-Target: AWSEvents.PutEvents</c>, signing name
/// <c>events</c>). As in the SDK, entries EventBridge refuses are reported in the answer (<c>FailedEntryCount</c>, each
/// entry's <c>ErrorCode</c>), not thrown. To swap: call <c>AmazonEventBridgeClient.PutEventsAsync</c> with the same
/// request and catch <c>AmazonServiceException</c> instead of <see cref="AwsStandInException"/> (README.md in this folder).
/// </summary>
public sealed class AmazonEventBridgeClientStandIn
{
    /// <summary>The <c>X-Amz-Target</c> of PutEvents.</summary>
    public const string Target = "AWSEvents.PutEvents";

    /// <summary>The content type of the awsJson 1.1 protocol.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 signing name and endpoint prefix of EventBridge.</summary>
    public const string ServiceName = "events";

    /// <summary>The most entries one PutEvents call accepts.</summary>
    public const int MaxEntries = 10;

    private const string Operation = "PutEvents";

    private static readonly Dictionary<string, string> NoPathResources = [];

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("X-Amz-Target", Target),
        new("Content-Type", ContentType),
    ];

    private readonly AwsStandInTransport _transport;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>events</c>.</param>
    /// <param name="timeout">How long one call may take.</param>
    public AmazonEventBridgeClientStandIn(AwsStandInTransport transport, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timeout = timeout;
    }

    /// <summary>The EventBridge client for <paramref name="region"/> (<c>https://events.{region}.amazonaws.com/</c> unless <paramref name="endpointOverride"/>).</summary>
    public static AmazonEventBridgeClientStandIn CreateDefault(string region, TimeSpan timeout, Uri? endpointOverride = null) =>
        new(AwsStandInTransport.CreateDefault(ServiceName, ServiceName, region, endpointOverride), timeout);

    /// <summary>Sends 1 to 10 events. Entries EventBridge refuses come back with an <c>ErrorCode</c>; the call itself succeeded.</summary>
    /// <exception cref="ArgumentException">No entries, or more than <see cref="MaxEntries"/>.</exception>
    /// <exception cref="AwsStandInException">The call failed, or the answer is not PutEvents JSON.</exception>
    public async Task<PutEventsResponse> PutEventsAsync(PutEventsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Entries is not { Count: > 0 and <= MaxEntries })
        {
            throw new ArgumentException($"PutEvents takes 1 to {MaxEntries} entries (got {request.Entries?.Count ?? 0}).", nameof(request));
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, EventBridgeJsonContext.Default.PutEventsRequest);
        AwsResponse response = await _transport.PostAsync(Operation, "/", NoPathResources, Headers, body, _timeout, cancellationToken);
        return AwsStandInTransport.ReadJson(Operation, response, EventBridgeJsonContext.Default.PutEventsResponse);
    }
}
