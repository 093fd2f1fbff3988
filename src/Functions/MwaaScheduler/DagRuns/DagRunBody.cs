using System.Text.Json;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.MwaaScheduler.DagRuns;

/// <summary>Airflow's <c>POST /dags/{dag_id}/dagRuns</c> body (Airflow 2: <c>dag_run_id</c> and <c>conf</c>; no logical date, so Airflow uses now).</summary>
internal sealed record DagRunBody(
    [property: JsonPropertyName("dag_run_id")] string DagRunId,
    [property: JsonPropertyName("conf")] JsonElement Conf);

[JsonSerializable(typeof(DagRunBody))]
internal sealed partial class DagRunBodyContext : JsonSerializerContext;
