using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>A job item as read from the progress table (<c>sk = "JOB"</c>).</summary>
internal sealed record JobRecord
{
    public required string JobId { get; init; }

    public required string Source { get; init; }

    /// <summary>Compact JSON object of the validated parameters (<see cref="Sources.JobParameters.ToJson"/>).</summary>
    public required string Parameters { get; init; }

    public required JobStatus Status { get; init; }

    /// <summary><c>api</c> or <c>schedule</c>.</summary>
    public required string Trigger { get; init; }

    public required string RequestHash { get; init; }

    /// <summary>The principal that started the job through the API; null for a scheduled job (and jobs from before it was recorded).</summary>
    public string? CreatedBy { get; init; }

    public required string RequestedAt { get; init; }

    public string? StartedAt { get; init; }

    /// <summary>The execution that took the job to PLANNING (null for jobs moved without an owner).</summary>
    public string? PlannedBy { get; init; }

    public string? FetchedAt { get; init; }

    public string? FailedAt { get; init; }

    /// <summary>Null until planned (fan-out) or until the last page was found (cursor).</summary>
    public long? TotalPages { get; init; }

    public long FailedBatches { get; init; }

    public string? Error { get; init; }

    public long? ExpiresAt { get; init; }

    /// <exception cref="InvalidDataException">The item lacks a required attribute or holds an unknown status.</exception>
    public static JobRecord FromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        string status = Text(item, ProgressTable.Status) ?? throw Missing(ProgressTable.Status);
        return new JobRecord
        {
            JobId = Text(item, ProgressTable.JobId) ?? throw Missing(ProgressTable.JobId),
            Source = Text(item, ProgressTable.Source) ?? throw Missing(ProgressTable.Source),
            Parameters = Text(item, ProgressTable.Parameters) ?? "{}",
            Status = JobStatusRules.TryParse(status, out JobStatus parsed) ? parsed : throw new InvalidDataException($"the job item has an unknown status '{status}'"),
            Trigger = Text(item, ProgressTable.Trigger) ?? ProgressTable.TriggerApi,
            RequestHash = Text(item, ProgressTable.RequestHash) ?? string.Empty,
            CreatedBy = Text(item, ProgressTable.CreatedBy),
            RequestedAt = Text(item, ProgressTable.RequestedAt) ?? throw Missing(ProgressTable.RequestedAt),
            StartedAt = Text(item, ProgressTable.StartedAt),
            PlannedBy = Text(item, ProgressTable.PlannedBy),
            FetchedAt = Text(item, ProgressTable.FetchedAt),
            FailedAt = Text(item, ProgressTable.FailedAt),
            TotalPages = Number(item, ProgressTable.TotalPages),
            FailedBatches = Number(item, ProgressTable.FailedBatches) ?? 0,
            Error = Text(item, ProgressTable.Error),
            ExpiresAt = Number(item, ProgressTable.ExpiresAt),
        };
    }

    internal static string? Text(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) ? value.S : null;

    internal static long? Number(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) && value.N is { } n
            ? long.Parse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : null;

    private static InvalidDataException Missing(string name) => new($"the job item has no '{name}' attribute");
}
