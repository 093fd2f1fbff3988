using System.Globalization;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// The SQS message body that points the consumer at a saved page:
/// <c>{"jobId","source","page","bucket","key","bytes"}</c> (docs/ApiPoller-contract.md, "SQS message"). Never the page itself.
/// </summary>
internal sealed record PagePointer
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("page")]
    public required int Page { get; init; }

    [JsonPropertyName("bucket")]
    public required string Bucket { get; init; }

    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("bytes")]
    public required long Bytes { get; init; }

    /// <summary>The <c>taskId</c> message attribute: <c>{jobId}/{page}</c>.</summary>
    [JsonIgnore]
    public string TaskId => string.Create(CultureInfo.InvariantCulture, $"{JobId}/{Page}");
}
