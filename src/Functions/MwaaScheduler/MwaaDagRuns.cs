using System.Text.Json;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.MwaaScheduler.DagRuns;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>
/// Triggers a DAG run and reads its state through MWAA's <c>InvokeRestApi</c> (the Airflow REST API of the
/// environment <c>ENVIRONMENT_NAME</c>), for the pause and resume workflows' export and import steps.
/// <list type="bullet">
/// <item><c>{"action":"trigger","dagId","runId","conf"}</c>: <c>PATCH /dags/{dagId}</c> <c>{"is_paused":false}</c>, then
/// <c>POST /dags/{dagId}/dagRuns</c> <c>{"dag_run_id","conf"}</c>; a 409 there means the run exists (a retried
/// trigger), and its state is read instead.</item>
/// <item><c>{"action":"status","dagId","runId"}</c>: <c>GET /dags/{dagId}/dagRuns/{runId}</c>.</item>
/// </list>
/// Output: <c>{"dagId","runId","state"}</c>. Errors: <see cref="DagNotFound"/>, <see cref="AirflowAccessDenied"/>,
/// <see cref="AirflowUnavailable"/>, <see cref="RestApiNotSupported"/>, <see cref="BadInput"/> (see <c>DagRunErrors</c>).
/// Never logs the conf or Airflow's answers. Handler string: <c>MwaaDagRuns</c>.
/// </summary>
public sealed class MwaaDagRuns
{
    private static readonly JsonElement Unpause = Parse("""{"is_paused":false}""");
    private static readonly JsonElement EmptyConf = Parse("{}");

    private readonly AmazonMWAAClientStandIn _mwaa;
    private readonly DagRunsSettings _settings;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the client once.</summary>
    public MwaaDagRuns()
        : this(DagRunsSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public MwaaDagRuns(AmazonMWAAClientStandIn mwaa, DagRunsSettings settings, JsonLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(mwaa);
        ArgumentNullException.ThrowIfNull(settings);
        _mwaa = mwaa;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
    }

    private MwaaDagRuns(DagRunsSettings settings)
        : this(AwsClients.CreateMwaa(settings.EndpointOverride), settings)
    {
    }

    /// <summary>Handles one workflow task invocation.</summary>
    public Task<Stream> HandleAsync(Stream input) => MwaaInvocation.RunAsync(_log, async () =>
    {
        DagRunsInput request = await LambdaJson.ReadAsync(input, MwaaJsonContext.Default.DagRunsInput);
        DagRunCall call = DagRunCall.From(request);
        JsonLog log = _log.With(("action", call.Trigger ? "trigger" : "status"), ("dagId", call.DagId), ("runId", call.RunId));
        string state = call.Trigger ? await TriggerAsync(call, log) : await StatusAsync(call);
        log.Info("DAG run state read", ("state", state));
        return LambdaJson.Write(new DagRunOutput(call.DagId, call.RunId, state), MwaaJsonContext.Default.DagRunOutput);
    });

    private async Task<string> TriggerAsync(DagRunCall call, JsonLog log)
    {
        await CallAsync("PATCH", call.DagPath, Unpause);
        JsonElement body = JsonSerializer.SerializeToElement(new DagRunBody(call.RunId, call.Conf ?? EmptyConf), DagRunBodyContext.Default.DagRunBody);
        try
        {
            InvokeRestApiResponse created = await _mwaa.InvokeRestApiAsync(new InvokeRestApiRequest { Name = _settings.EnvironmentName, Method = "POST", Path = call.RunsPath, Body = body });
            return StateOf(created, call);
        }
        catch (MwaaRestApiException e) when (e.RestApiStatusCode == 409)
        {
            log.Info("the DAG run exists already (a retried trigger); reading its state");
            return await StatusAsync(call);
        }
        catch (Exception e) when (e is MwaaRestApiException or AwsStandInException)
        {
            throw DagRunErrors.Map(e, "POST", call.RunsPath, _settings.EnvironmentName);
        }
    }

    private async Task<string> StatusAsync(DagRunCall call) => StateOf(await CallAsync("GET", call.RunPath, null), call);

    private async Task<InvokeRestApiResponse> CallAsync(string method, string path, JsonElement? body)
    {
        try
        {
            return await _mwaa.InvokeRestApiAsync(new InvokeRestApiRequest { Name = _settings.EnvironmentName, Method = method, Path = path, Body = body });
        }
        catch (Exception e) when (e is MwaaRestApiException or AwsStandInException)
        {
            throw DagRunErrors.Map(e, method, path, _settings.EnvironmentName);
        }
    }

    // Airflow's DAGRun schema: "state" is queued, running, success or failed.
    private static string StateOf(InvokeRestApiResponse response, DagRunCall call) =>
        response.RestApiResponse is { ValueKind: JsonValueKind.Object } run && run.TryGetProperty("state", out JsonElement state) && state.ValueKind == JsonValueKind.String
            ? state.GetString()!
            : throw new AirflowUnavailable($"Airflow's answer for DAG {call.DagId} run {call.RunId} has no state (status {response.RestApiStatusCode})");

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
