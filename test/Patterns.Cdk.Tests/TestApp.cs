using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The CDK app every test synthesizes into: fixed account/region, analytics off, and the context (feature flags) of
/// the repository's cdk.json, so tests check exactly what users synthesize.
/// </summary>
internal static partial class TestApp
{
    public static readonly Amazon.CDK.Environment Env = new() { Account = "123456789012", Region = "eu-west-1" };

    public static Stack NewStack(string name = "TestStack") => new(NewApp(), name, new StackProps { Env = Env });

    /// <summary>An app with the repository's context, analytics off, writing to a temporary directory.</summary>
    public static Amazon.CDK.App NewApp() => new(new AppProps
    {
        AnalyticsReporting = false,
        Outdir = Path.Combine(Path.GetTempPath(), "patterns-cdk-tests", Guid.NewGuid().ToString("N")),
        Context = RepositoryContext.Value,
    });

    /// <summary>The "context" object of the repository's cdk.json, as values jsii can pass on.</summary>
    private static readonly Lazy<Dictionary<string, object>> RepositoryContext = new(() =>
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "cdk.json")))!;
        return cdkJson["context"]!.AsObject().ToDictionary(entry => entry.Key, entry => ToContextValue(entry.Value!));
    });

    private static object ToContextValue(JsonNode value) => value switch
    {
        JsonArray array => array.Select(item => ToContextValue(item!)).ToArray(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.GetValue<double>(),
        _ => throw new InvalidOperationException($"cdk.json context value {value.ToJsonString()} is not supported by the test app."),
    };

    /// <summary>The stack's template; every function in it must pass the Lambda runtime gate (<see cref="RuntimeGate"/>).</summary>
    public static Template Template(Stack stack)
    {
        var template = Amazon.CDK.Assertions.Template.FromStack(stack);
        RuntimeGate.Check(JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(template.ToJSON()))!);
        return template;
    }

    /// <summary>The synthesized template as JSON, scrubbed of what changes without our code changing.</summary>
    public static JsonNode Scrubbed(Stack stack)
    {
        var json = Json(stack);
        json = AssetHash().Replace(json, "[HASH]");
        var node = JsonNode.Parse(json)!;
        node["Resources"]?.AsObject().Remove("CDKMetadata");
        node.AsObject().Remove("Parameters");
        node.AsObject().Remove("Rules");
        node.AsObject().Remove("Conditions");
        return node;
    }

    /// <summary>Writes the stack's template where the cdk-nag check (tools/nag) picks it up.</summary>
    public static void WriteForNag(Stack stack, string name)
    {
        var dir = Path.Combine(RepoRoot(), "artifacts", "nag");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name + ".template.json"),
            Json(stack));
    }

    /// <summary>The synthesized template as a JSON string.</summary>
    public static string Json(Stack stack) => Newtonsoft.Json.JsonConvert.SerializeObject(Template(stack).ToJSON());

    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Patterns.Cdk.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Patterns.Cdk.sln not found above the test binaries.");
        }

        return dir;
    }

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex AssetHash();
}
