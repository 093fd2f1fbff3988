using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The message S3 sends once when a notification configuration is created:
/// <c>{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"...","Bucket":"...","RequestId":"...","HostId":"..."}</c>.
/// It carries no object and needs no processing.
/// </summary>
public sealed record S3TestEvent
{
    /// <summary>The <see cref="Event"/> value that marks a test event.</summary>
    public const string TestEventName = "s3:TestEvent";

    [JsonPropertyName("Service")]
    public string? Service { get; init; }

    [JsonPropertyName("Event")]
    public string? Event { get; init; }

    [JsonPropertyName("Time")]
    public DateTime? Time { get; init; }

    [JsonPropertyName("Bucket")]
    public string? Bucket { get; init; }

    [JsonPropertyName("RequestId")]
    public string? RequestId { get; init; }

    [JsonPropertyName("HostId")]
    public string? HostId { get; init; }

    [JsonIgnore]
    public bool IsTestEvent => Service == "Amazon S3" && Event == TestEventName;
}
