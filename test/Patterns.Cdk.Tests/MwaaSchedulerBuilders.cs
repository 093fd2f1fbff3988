using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Patterns.Cdk.MwaaScheduler;

namespace Patterns.Cdk.Tests;

/// <summary>JSON text as written (no escaping of quotes, so intrinsic functions read as in the definition).</summary>
internal static class JsonText
{
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Text(this JsonNode node) => node.ToJsonString(Relaxed);
}

/// <summary>Shorthands for synthesizing one MwaaScheduler and reading its template.</summary>
internal static class MwaaSynth
{
    public const string Environment = "analytics";
    public const string ExecutionRoleArn = "arn:aws:iam::123456789012:role/service-role/analytics-mwaa";
    public const string DagBucketName = "analytics-airflow";

    /// <summary>The least a user must say.</summary>
    public static MwaaSchedulerProps Minimal(Stack stack) => new()
    {
        EnvironmentName = Environment,
        ExecutionRoleArn = ExecutionRoleArn,
        DagBucket = Bucket.FromBucketName(stack, "Dags", DagBucketName),
    };

    /// <summary>Weeknights 20:00-07:00 and weekends, in Paris.</summary>
    public static IReadOnlyList<PauseWindow> Windows { get; } =
    [
        new PauseWindow { Name = "nights", Pause = "cron(0 20 ? * MON-THU *)", Resume = "cron(0 7 ? * TUE-FRI *)" },
        new PauseWindow { Name = "weekends", Pause = "cron(0 20 ? * FRI *)", Resume = "cron(0 7 ? * MON *)" },
    ];

    public static (Stack Stack, MwaaScheduler.MwaaScheduler Scheduler) Scheduler(Func<Stack, MwaaSchedulerProps>? props = null)
    {
        var stack = TestApp.NewStack();
        var scheduler = new MwaaScheduler.MwaaScheduler(stack, "Scheduler", (props ?? Minimal)(stack));
        return (stack, scheduler);
    }

    /// <summary>Minimal props with <paramref name="change"/> applied.</summary>
    public static (Stack Stack, MwaaScheduler.MwaaScheduler Scheduler) With(Func<MwaaSchedulerProps, MwaaSchedulerProps> change) =>
        Scheduler(s => change(Minimal(s)));

    /// <summary>Constructs a scheduler in a fresh stack and returns what construction threw.</summary>
    public static Action Constructing(Func<MwaaSchedulerProps, MwaaSchedulerProps> change) => () => With(change);

    /// <summary>Every resource of <paramref name="type"/>: logical id and properties.</summary>
    public static List<(string Id, JsonNode Properties)> Resources(Stack stack, string type) => ApiPollerTemplate.Resources(stack, type);

    /// <summary>The one resource of <paramref name="type"/>'s properties.</summary>
    public static JsonNode Single(Stack stack, string type) => Resources(stack, type).Single().Properties;

    /// <summary>The definition of the state machine whose logical id contains <paramref name="workflow"/> (PauseWorkflow, ResumeWorkflow).</summary>
    public static JsonNode Definition(Stack stack, string workflow)
    {
        var definition = Resources(stack, "AWS::StepFunctions::StateMachine").Single(r => r.Id.Contains(workflow, StringComparison.Ordinal)).Properties["DefinitionString"]!;
        var text = definition is JsonValue
            ? definition.GetValue<string>()
            : string.Concat(definition["Fn::Join"]![1]!.AsArray().Select(p => p is JsonValue v ? v.GetValue<string>() : "TOKEN"));
        return JsonNode.Parse(text)!;
    }

    /// <summary>The states of a definition by name.</summary>
    public static JsonObject States(Stack stack, string workflow) => Definition(stack, workflow)["States"]!.AsObject();

    /// <summary>Every state a state can go to next: Next, Default, Choice rules, Catch targets.</summary>
    public static IEnumerable<string> Successors(JsonNode state)
    {
        if ((string?)state["Next"] is { } next)
        {
            yield return next;
        }

        if ((string?)state["Default"] is { } fallback)
        {
            yield return fallback;
        }

        foreach (var rule in state["Choices"]?.AsArray() ?? [])
        {
            yield return (string)rule!["Next"]!;
        }

        foreach (var c in state["Catch"]?.AsArray() ?? [])
        {
            yield return (string)c!["Next"]!;
        }
    }

    /// <summary>The environment variables of the function whose logical id contains <paramref name="role"/>.</summary>
    public static JsonObject FunctionEnvironment(Stack stack, string role) => ApiPollerTemplate.Environment(stack, role);
}
