using Amazon.CDK;
using Amazon.CDK.Assertions;
using Patterns.Cdk.ApiPoller;

namespace Patterns.Cdk.Tests;

/// <summary>Shorthands for synthesizing one ApiPoller.</summary>
internal static class ApiPollerSynth
{
    /// <summary>The least a user must say: one https source with its total field.</summary>
    public static PartnerSource Orders(Func<PartnerSource, PartnerSource>? change = null)
    {
        var source = new PartnerSource { Name = "orders", BaseUrl = "https://partner.example.com/v1/orders", TotalField = "total" };
        return change is null ? source : change(source);
    }

    public static ApiPollerProps Minimal() => new() { Sources = [Orders()] };

    public static (Stack Stack, ApiPoller.ApiPoller Poller, Template Template) Poller(ApiPollerProps? props = null, Action<Stack>? before = null)
    {
        var stack = TestApp.NewStack();
        before?.Invoke(stack);
        var poller = new ApiPoller.ApiPoller(stack, "Poller", props ?? Minimal());
        return (stack, poller, TestApp.Template(stack));
    }

    /// <summary>Constructs a poller in a fresh stack and returns what construction threw.</summary>
    public static Action Constructing(Func<Stack, ApiPollerProps> props) => () =>
    {
        var stack = TestApp.NewStack();
        _ = new ApiPoller.ApiPoller(stack, "Poller", props(stack));
    };
}

/// <summary>Reads the synthesized workflow definition and resources of a stack.</summary>
internal static class ApiPollerTemplate
{
    /// <summary>Every resource of <paramref name="type"/>: logical id and properties.</summary>
    public static List<(string Id, System.Text.Json.Nodes.JsonNode Properties)> Resources(Stack stack, string type) =>
        System.Text.Json.Nodes.JsonNode.Parse(TestApp.Json(stack))!["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"]!))
            .ToList();

    /// <summary>The state machine's definition, with CloudFormation references rendered as <c>TOKEN</c>.</summary>
    public static System.Text.Json.Nodes.JsonNode Definition(Stack stack)
    {
        var definition = Resources(stack, "AWS::StepFunctions::StateMachine").Single().Properties["DefinitionString"]!;
        var text = definition is System.Text.Json.Nodes.JsonValue
            ? definition.GetValue<string>()
            : string.Concat(definition["Fn::Join"]![1]!.AsArray().Select(p => p is System.Text.Json.Nodes.JsonValue v ? v.GetValue<string>() : "TOKEN"));
        return System.Text.Json.Nodes.JsonNode.Parse(text)!;
    }

    /// <summary>Every state of the definition, including those of Map item processors: (name, state).</summary>
    public static List<(string Name, System.Text.Json.Nodes.JsonNode State)> States(System.Text.Json.Nodes.JsonNode definition)
    {
        var result = new List<(string, System.Text.Json.Nodes.JsonNode)>();
        foreach (var (name, state) in definition["States"]!.AsObject())
        {
            result.Add((name, state!));
            if (state!["ItemProcessor"] is { } processor)
            {
                result.AddRange(States(processor));
            }
        }

        return result;
    }

    /// <summary>The environment variables of the function whose logical id contains <paramref name="role"/>.</summary>
    public static System.Text.Json.Nodes.JsonObject Environment(Stack stack, string role) =>
        Resources(stack, "AWS::Lambda::Function").Single(f => f.Id.Contains(role, StringComparison.Ordinal)).Properties["Environment"]!["Variables"]!.AsObject();
}
