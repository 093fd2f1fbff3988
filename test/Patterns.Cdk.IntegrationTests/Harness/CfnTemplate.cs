using System.Globalization;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>A read model over a synthesized CloudFormation template (resources by type, their properties).</summary>
public sealed class CfnTemplate(JsonObject template)
{
    public JsonObject Json { get; } = template;

    private JsonObject ResourceSection => Json["Resources"]?.AsObject() ?? throw new InvalidOperationException("The template has no resource section.");

    /// <summary>The logical ids and properties of every resource of <paramref name="type"/>, in template order.</summary>
    public IEnumerable<(string Id, JsonObject Properties)> OfType(string type) =>
        ResourceSection
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? new JsonObject()));

    public string TypeOf(string logicalId) =>
        (string?)ResourceSection[logicalId]?["Type"] ?? throw new InvalidOperationException($"The template has no resource {logicalId}.");

    public JsonObject PropertiesOf(string logicalId) =>
        ResourceSection[logicalId]?["Properties"]?.AsObject() ?? throw new InvalidOperationException($"The template has no resource {logicalId} with properties.");

    /// <summary>The logical id an intrinsic refers to: <c>{"Ref": id}</c> or <c>{"Fn::GetAtt": [id, attr]}</c>.</summary>
    public static string ReferencedId(JsonNode? node) => node switch
    {
        JsonObject o when o["Ref"] is JsonValue id => (string)id!,
        JsonObject o when o["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt => (string)getAtt[0]!,
        _ => throw new NotSupportedException($"Expected a Ref or Fn::GetAtt, found {node?.ToJsonString() ?? "nothing"}."),
    };

    /// <summary>A template number (CDK writes 10 as 10.0) as an integer.</summary>
    public static int Number(JsonNode? node, int fallback) =>
        node is null ? fallback : (int)double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);
}
