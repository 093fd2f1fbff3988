using System.Text.Json;

namespace Patterns.Cdk.Functions.MwaaScheduler.DagRuns;

/// <summary>MwaaDagRuns' input: <c>{"action":"trigger","dagId","runId","conf":{...}}</c> or <c>{"action":"status","dagId","runId"}</c>.</summary>
public sealed class DagRunsInput
{
    public string? Action { get; init; }

    public string? DagId { get; init; }

    public string? RunId { get; init; }

    /// <summary>The DAG run's conf (trigger only): passed to Airflow, never logged.</summary>
    public JsonElement? Conf { get; init; }
}

/// <summary>MwaaDagRuns' output: the run's Airflow state (queued, running, success, failed, ...).</summary>
public sealed record DagRunOutput(string DagId, string RunId, string State);
