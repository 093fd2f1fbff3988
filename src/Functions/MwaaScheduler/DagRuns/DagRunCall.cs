using System.Text.Json;
using System.Text.RegularExpressions;
using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.MwaaScheduler.DagRuns;

/// <summary>A validated MwaaDagRuns request and the Airflow REST paths it calls.</summary>
/// <param name="Trigger">True for <c>trigger</c>, false for <c>status</c>.</param>
/// <param name="DagId">The DAG id.</param>
/// <param name="RunId">The DAG run id.</param>
/// <param name="Conf">The run's conf object (trigger), else null.</param>
internal sealed partial record DagRunCall(bool Trigger, string DagId, string RunId, JsonElement? Conf)
{
    /// <summary><c>PATCH</c>: un-pause the DAG.</summary>
    public string DagPath => $"/dags/{DagId}";

    /// <summary><c>POST</c>: create a run.</summary>
    public string RunsPath => $"/dags/{DagId}/dagRuns";

    /// <summary><c>GET</c>: the run (the longest path: it must fit InvokeRestApi's 64 characters).</summary>
    public string RunPath => $"/dags/{DagId}/dagRuns/{RunId}";

    // Ids go into the path unencoded: only characters that need no encoding in a URL path.
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    /// <exception cref="BadInput">The request is incomplete, malformed, or its paths are too long.</exception>
    public static DagRunCall From(DagRunsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var problems = new List<string>();
        bool trigger = false;
        switch (input.Action)
        {
            case "trigger":
                trigger = true;
                break;
            case "status":
                break;
            case null:
                problems.Add("action is required (trigger or status)");
                break;
            default:
                problems.Add($"action must be trigger or status (got '{Printable(input.Action)}')");
                break;
        }

        CheckId(input.DagId, "dagId", problems);
        CheckId(input.RunId, "runId", problems);
        if (input.Conf is { } conf)
        {
            if (!trigger && input.Action == "status")
            {
                problems.Add("conf is only for trigger");
            }
            else if (conf.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                problems.Add($"conf must be a JSON object (got {conf.ValueKind})");
            }
        }

        if (problems.Count == 0)
        {
            var call = new DagRunCall(trigger, input.DagId!, input.RunId!, input.Conf is { ValueKind: JsonValueKind.Object } c ? c : null);
            if (call.RunPath.Length > AmazonMWAAClientStandIn.MaxPathLength)
            {
                problems.Add($"the run's path {call.RunPath} is {call.RunPath.Length} characters; InvokeRestApi accepts at most {AmazonMWAAClientStandIn.MaxPathLength}: use shorter DAG and run ids");
            }
            else
            {
                return call;
            }
        }

        throw new BadInput($"MwaaDagRuns input is invalid: {string.Join("; ", problems)}");
    }

    private static void CheckId(string? value, string name, List<string> problems)
    {
        if (string.IsNullOrEmpty(value))
        {
            problems.Add($"{name} is required");
        }
        else if (!Id().IsMatch(value))
        {
            problems.Add($"{name} must be 1 to 64 letters, digits, '_', '.' or '-' (got '{Printable(value)}')");
        }
    }

    private static string Printable(string value) => value.Length > 80 ? value[..80] + "..." : value;
}
