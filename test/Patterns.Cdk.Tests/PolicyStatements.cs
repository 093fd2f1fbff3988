using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Patterns.Cdk.Tests;

/// <summary>One IAM statement from a synthesized template, resources rendered as JSON text for matching.</summary>
internal sealed record PolicyStatement(string Effect, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources, string Json);

internal static class PolicyStatements
{
    /// <summary>All statements of the inline policies attached to roles whose logical id contains <paramref name="roleLike"/>.</summary>
    public static List<PolicyStatement> Of(Stack stack, string roleLike)
    {
        var template = JsonNode.Parse(TestApp.Json(stack))!;
        var result = new List<PolicyStatement>();
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if ((string?)resource!["Type"] != "AWS::IAM::Policy")
            {
                continue;
            }

            var roles = resource["Properties"]!["Roles"]!.ToJsonString();
            if (!roles.Contains(roleLike, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var statement in resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                result.Add(new PolicyStatement(
                    (string)statement!["Effect"]!,
                    Many(statement["Action"]).Select(a => a.GetValue<string>()).ToList(),
                    Many(statement["Resource"]).Select(Render).ToList(),
                    statement.ToJsonString()));
            }
        }

        return result;
    }

    private static IEnumerable<JsonNode> Many(JsonNode? node) =>
        node is null ? [] : node is JsonArray array ? array.Select(n => n!) : [node];

    private static string Render(JsonNode node) =>
        node is JsonValue v ? v.GetValue<string>()
        : node["Fn::Join"] is JsonArray join ? string.Concat(join[1]!.AsArray().Select(p => Render(p!)))
        : node.ToJsonString();
}
