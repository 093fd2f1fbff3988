using System.Text.Json;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi.Api;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Store;

/// <summary>EventBridge refused the <c>Upload.Completed</c> entry (<c>FailedEntryCount</c> &gt; 0).</summary>
public sealed class UploadEventRefusedException(string? errorCode, string? errorMessage)
    : Exception($"EventBridge refused the Upload.Completed event: {errorCode ?? "(no code)"} {errorMessage}")
{
    public string? ErrorCode { get; } = errorCode;
}

/// <summary>
/// Publishes <c>Upload.Completed</c> (source <c>patterns-cdk.uploads</c>) to the configured bus, or the account's
/// default bus, through the EventBridge stand-in. A refused entry is an error, like a failed call: the completion is
/// answered 503 and a retry publishes again (at least once).
/// </summary>
public sealed class UploadEvents
{
    public const string Source = "patterns-cdk.uploads";
    public const string DetailType = "Upload.Completed";

    private readonly AmazonEventBridgeClientStandIn _client;
    private readonly string? _busName;

    public UploadEvents(AmazonEventBridgeClientStandIn client, string? busName)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _busName = string.IsNullOrEmpty(busName) ? null : busName;
    }

    /// <exception cref="UploadEventRefusedException">EventBridge refused the entry.</exception>
    /// <exception cref="AwsStandInException">The call failed.</exception>
    public async Task PublishCompletedAsync(UploadCompletedDetail detail, DateTimeOffset time, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(detail);
        PutEventsResponse response = await _client.PutEventsAsync(
            new PutEventsRequest
            {
                Entries =
                [
                    new PutEventsRequestEntry
                    {
                        Source = Source,
                        DetailType = DetailType,
                        Detail = JsonSerializer.Serialize(detail, UploadJsonContext.Default.UploadCompletedDetail),
                        EventBusName = _busName,
                        Time = time,
                    },
                ],
            },
            cancellation);
        if (response.FailedEntryCount > 0 || response.Entries is { Count: > 0 } && response.Entries[0].ErrorCode is not null)
        {
            PutEventsResultEntry? failed = response.Entries?.FirstOrDefault(e => e.ErrorCode is not null);
            throw new UploadEventRefusedException(failed?.ErrorCode, failed?.ErrorMessage);
        }
    }
}
