using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The partial batch response of an SQS or DynamoDB stream consumer (event source mapping with
/// <c>ReportBatchItemFailures</c>): <c>{"batchItemFailures":[{"itemIdentifier":"..."}]}</c>.
/// The identifier is the SQS message id or the stream record's sequence number.
/// </summary>
public sealed record BatchResponse
{
    [JsonPropertyName("batchItemFailures")]
    public required IReadOnlyList<BatchItemFailure> BatchItemFailures { get; init; }
}

public sealed record BatchItemFailure
{
    [JsonPropertyName("itemIdentifier")]
    public required string ItemIdentifier { get; init; }
}
