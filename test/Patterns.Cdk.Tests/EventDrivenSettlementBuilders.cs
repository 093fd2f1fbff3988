using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Patterns.Cdk.EventDrivenSettlement;

namespace Patterns.Cdk.Tests;

/// <summary>Shorthands for synthesizing one EventDrivenSettlement and reading its template.</summary>
internal static class SettlementSynth
{
    public static (Stack Stack, EventDrivenSettlement.EventDrivenSettlement Settlement, Template Template) Settlement(
        EventDrivenSettlementProps? props = null, Action<Stack>? before = null)
    {
        var stack = TestApp.NewStack();
        before?.Invoke(stack);
        var settlement = new EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", props);
        return (stack, settlement, TestApp.Template(stack));
    }

    /// <summary>Synthesizes with props that need the stack (imports, keys, images).</summary>
    public static (Stack Stack, EventDrivenSettlement.EventDrivenSettlement Settlement, Template Template) Settlement(Func<Stack, EventDrivenSettlementProps> props)
    {
        var stack = TestApp.NewStack();
        var settlement = new EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", props(stack));
        return (stack, settlement, TestApp.Template(stack));
    }

    /// <summary>An image in an existing ECR repository (no Docker build in tests).</summary>
    public static ContainerImage Image(Stack stack) =>
        ContainerImage.FromEcrRepository(Repository.FromRepositoryName(stack, "SettlementImages", "settlement-service"), "1.4.2");

    /// <summary>Constructs a settlement in a fresh stack and returns what construction threw.</summary>
    public static Action Constructing(Func<Stack, EventDrivenSettlementProps> props) => () =>
    {
        var stack = TestApp.NewStack();
        _ = new EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", props(stack));
    };

    /// <summary>Every resource of <paramref name="type"/>: logical id and properties.</summary>
    public static List<(string Id, JsonNode Properties)> Resources(Stack stack, string type) => ApiPollerTemplate.Resources(stack, type);

    /// <summary>The one resource of <paramref name="type"/>'s properties.</summary>
    public static JsonNode Single(Stack stack, string type) => Resources(stack, type).Single().Properties;

    /// <summary>The environment variables of the function whose logical id contains <paramref name="role"/>.</summary>
    public static JsonObject Environment(Stack stack, string role) => ApiPollerTemplate.Environment(stack, role);

    /// <summary>Every IAM statement of every policy in the stack, with the roles it is attached to.</summary>
    public static List<(string Roles, PolicyStatement Statement)> AllStatements(Stack stack)
    {
        var result = new List<(string, PolicyStatement)>();
        var template = JsonNode.Parse(TestApp.Json(stack))!;
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if ((string?)resource!["Type"] != "AWS::IAM::Policy")
            {
                continue;
            }

            var roles = resource["Properties"]!["Roles"]!.ToJsonString();
            foreach (var statement in resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                var actions = statement!["Action"] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [statement["Action"]!.GetValue<string>()];
                result.Add((roles, new PolicyStatement((string)statement["Effect"]!, actions, [], statement.ToJsonString())));
            }
        }

        return result;
    }

    /// <summary>JSON text with whole numbers written as integers (jsii hands every number over as a double: 1.0).</summary>
    public static string Canon(JsonNode? node) => Canonical(node)?.ToJsonString() ?? "null";

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.GetValue<double>() is var d && d == Math.Floor(d) && Math.Abs(d) < 1e15
            => JsonValue.Create((long)d),
        _ => node?.DeepClone(),
    };

    public static Dictionary<string, object> Props(params (string Key, object Value)[] pairs) => Synth.Props(pairs);
}
