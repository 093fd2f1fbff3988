using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Api;

// The response bodies of the job API (docs/ApiPoller-contract.md, "HTTP API"). Members that may be null are written
// as null, so every response of a route has the same shape.

/// <summary>202 of POST /jobs.</summary>
internal sealed record JobAccepted(string JobId, string Status, JobLinks Links);

internal sealed record JobLinks(string Self, string Tasks);

/// <summary>200 of GET /jobs/{id}.</summary>
internal sealed record JobStatusBody
{
    public required string JobId { get; init; }

    public required string Source { get; init; }

    public required Dictionary<string, string> Parameters { get; init; }

    public required string Trigger { get; init; }

    public required string Status { get; init; }

    public required string State { get; init; }

    public required long? TotalPages { get; init; }

    public required TaskCountsBody Counts { get; init; }

    /// <summary>0..1, four decimals.</summary>
    public required double Progress { get; init; }

    public required long FailedBatches { get; init; }

    public required string RequestedAt { get; init; }

    public required string? StartedAt { get; init; }

    public required string? FetchedAt { get; init; }

    public required string? FailedAt { get; init; }

    public required string? Error { get; init; }
}

internal sealed record TaskCountsBody(long Planned, long Saved, long Enqueued, long Completed, long FetchFailed, long ProcessingFailed, long NotFetched);

/// <summary>200 of GET /jobs/{id}/tasks.</summary>
internal sealed record TaskListBody(IReadOnlyList<TaskBody> Tasks, string? NextToken);

internal sealed record TaskBody(int Page, string State, string? Failure);

/// <summary>Every 4xx/5xx: <c>{"error":"BadRequest","message":"...","problems":[...]}</c> (problems only for 400).</summary>
internal sealed record ErrorBody(string Error, string Message)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Problems { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobAccepted))]
[JsonSerializable(typeof(JobStatusBody))]
[JsonSerializable(typeof(TaskListBody))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
