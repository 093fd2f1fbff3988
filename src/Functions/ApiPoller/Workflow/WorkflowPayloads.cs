using System.Text.Json;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

// The payloads the Step Functions workflow exchanges with the planner and the fetchers
// (docs/ApiPoller-contract.md, "Step Functions"). Property names are part of the workflow's JSONPaths.

/// <summary>PlanJob's payload: <c>{"input": &lt;the execution's input&gt;, "executionId": "..."}</c>.</summary>
internal sealed record PlanRequest
{
    [JsonPropertyName("input")]
    public required OrchestratorInput Input { get; init; }

    [JsonPropertyName("executionId")]
    public string? ExecutionId { get; init; }
}

/// <summary>The execution input: from the Pipe (<c>jobId</c>) or from the Scheduler (<c>schedule</c> and <c>scheduledTime</c>).</summary>
internal sealed record OrchestratorInput
{
    [JsonPropertyName("jobId")]
    public string? JobId { get; init; }

    [JsonPropertyName("trigger")]
    public string? Trigger { get; init; }

    [JsonPropertyName("schedule")]
    public ScheduleInput? Schedule { get; init; }

    [JsonPropertyName("scheduledTime")]
    public string? ScheduledTime { get; init; }
}

internal sealed record ScheduleInput
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>A JSON object of strings, validated against the source's schema like a POST /jobs body.</summary>
    [JsonPropertyName("parameters")]
    public JsonElement? Parameters { get; init; }
}

/// <summary>How a job's pages are fetched.</summary>
internal static class PlanModes
{
    /// <summary>Distributed Map over the manifest (PageNumber, OffsetLimit).</summary>
    public const string Fanout = "fanout";

    /// <summary>The CursorFetcher loop.</summary>
    public const string Cursor = "cursor";

    /// <summary>Nothing to fetch: the source reports no items.</summary>
    public const string Empty = "empty";

    /// <summary>Another execution owns the job: this one stops.</summary>
    public const string Duplicate = "duplicate";
}

/// <summary>PlanJob's result, <c>$.plan</c> for the rest of the workflow.</summary>
internal sealed record JobPlan
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    [JsonPropertyName("totalPages")]
    public int? TotalPages { get; init; }

    [JsonPropertyName("manifestBucket")]
    public string? ManifestBucket { get; init; }

    [JsonPropertyName("manifestKey")]
    public string? ManifestKey { get; init; }

    [JsonPropertyName("maxConcurrency")]
    public int MaxConcurrency { get; init; }

    [JsonPropertyName("pagesPerBatch")]
    public int PagesPerBatch { get; init; }
}

/// <summary>One manifest item and one element of <c>Items</c> / <c>remaining</c>.</summary>
internal sealed record PageItem
{
    [JsonPropertyName("page")]
    public required int Page { get; init; }
}

internal sealed record BatchInput
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }
}

/// <summary>
/// FetchBatch's payload: an ItemBatcher batch, or the previous call's <c>remaining</c> with the same BatchInput, and the
/// batch child's budget: its start (<c>$$.Execution.StartTime</c>) and how many seconds it may fetch from then.
/// </summary>
internal sealed record FetchBatchRequest
{
    [JsonPropertyName("Items")]
    public required IReadOnlyList<PageItem> Items { get; init; }

    [JsonPropertyName("BatchInput")]
    public required BatchInput BatchInput { get; init; }

    /// <summary>When the batch's child execution started; with <see cref="BatchBudgetSeconds"/>, the batch's deadline.</summary>
    [JsonPropertyName("batchStartedAt")]
    public DateTimeOffset? BatchStartedAt { get; init; }

    /// <summary>How long the batch may fetch from <see cref="BatchStartedAt"/>, in seconds.</summary>
    [JsonPropertyName("batchBudgetSeconds")]
    public int? BatchBudgetSeconds { get; init; }
}

internal sealed record FetchBatchResult
{
    [JsonPropertyName("fetched")]
    public required int Fetched { get; init; }

    [JsonPropertyName("failed")]
    public required int Failed { get; init; }

    /// <summary>Pages not started within this invocation's time box; empty when the batch is done.</summary>
    [JsonPropertyName("remaining")]
    public required IReadOnlyList<PageItem> Remaining { get; init; }

    /// <summary>
    /// True when pages remain and the batch's budget has no room for another one: the workflow records the batch as
    /// failed (its remaining pages stay PLANNED) instead of calling again.
    /// </summary>
    [JsonPropertyName("outOfTime")]
    public required bool OutOfTime { get; init; }

    [JsonPropertyName("BatchInput")]
    public required BatchInput BatchInput { get; init; }
}

/// <summary>FetchCursorPages' payload: the plan and, after the first call, the previous call's cursor state.</summary>
internal sealed record CursorRequest
{
    [JsonPropertyName("plan")]
    public required JobPlan Plan { get; init; }

    [JsonPropertyName("cursor")]
    public CursorProgress? Cursor { get; init; }
}

/// <summary>The cursor loop's state, <c>$.cursor</c>: carried from call to call and across ContinueAsNew.</summary>
internal sealed record CursorProgress
{
    /// <summary>The partner's token for <see cref="NextPage"/>; null before the first page.</summary>
    [JsonPropertyName("cursor")]
    public string? Cursor { get; init; }

    [JsonPropertyName("nextPage")]
    public required int NextPage { get; init; }

    /// <summary>Calls in this execution (the workflow continues as new after 500).</summary>
    [JsonPropertyName("iteration")]
    public required int Iteration { get; init; }

    /// <summary>Executions so far (ContinueAsNew increments it).</summary>
    [JsonPropertyName("generation")]
    public required int Generation { get; init; }

    [JsonPropertyName("done")]
    public required bool Done { get; init; }

    /// <summary>The cursors seen so far, to catch a partner that loops (<see cref="CursorLoopCheck"/>); null before the first page.</summary>
    [JsonPropertyName("loopCheck")]
    public CursorLoopCheck? LoopCheck { get; init; }
}

/// <summary>The serializer of every payload of the planner, the fetchers and the queue.</summary>
[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(JobPlan))]
[JsonSerializable(typeof(FetchBatchRequest))]
[JsonSerializable(typeof(FetchBatchResult))]
[JsonSerializable(typeof(CursorRequest))]
[JsonSerializable(typeof(CursorProgress))]
[JsonSerializable(typeof(Pages.PagePointer))]
internal sealed partial class FetchJsonContext : JsonSerializerContext;
