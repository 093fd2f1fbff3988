using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Patterns.Cdk.Testing;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The CDK app every test synthesizes into (Patterns.Cdk.Testing's <see cref="CdkTestApp"/>): fixed account/region,
/// analytics off, and the context (feature flags) of the repository's cdk.json, so tests check exactly what users
/// synthesize.
/// </summary>
internal static class TestApp
{
    public static readonly Amazon.CDK.Environment Env = new() { Account = "123456789012", Region = "eu-west-1" };

    public static Stack NewStack(string name = "TestStack") => new(NewApp(), name, new StackProps { Env = Env });

    /// <summary>An app with the repository's cdk.json flags and no synthesis noise (Patterns.Cdk.Testing), writing to a temporary directory.</summary>
    public static Amazon.CDK.App NewApp() =>
        CdkTestApp.Create(Path.Combine(RepoRoot(), "cdk.json"), new CdkTestAppOptions
        {
            Outdir = Path.Combine(Path.GetTempPath(), "patterns-cdk-tests", Guid.NewGuid().ToString("N")),
        });

    /// <summary>The stack's template; every function in it must pass the Lambda runtime gate (<see cref="RuntimeGate"/>).</summary>
    public static Template Template(Stack stack)
    {
        var template = Amazon.CDK.Assertions.Template.FromStack(stack);
        RuntimeGate.Check(JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(template.ToJSON()))!);
        return template;
    }

    /// <summary>
    /// The synthesized template as JSON, scrubbed of what changes without our code changing (Patterns.Cdk.Testing's
    /// <see cref="ScrubbedTemplate"/>), after the template passed its <see cref="TemplatePolicy"/> with the defaults, as
    /// our users would check their stacks: encrypted queues with a dead-letter queue, current Lambda runtimes, no
    /// <c>Resource: "*"</c> beyond actions without resource-level permissions and CDK's own notification handler. Tests
    /// that opt out of a secure default on purpose (no dead-letter queue) synthesize with <see cref="Template"/> only. The snapshots keep the order the CDK synthesizes, and the numbers as the jsii
    /// runtime hands them over (7.0): they were recorded that way before the package existed.
    /// </summary>
    public static JsonNode Scrubbed(Stack stack)
    {
        var json = Json(stack);
        TemplatePolicy.Assert(JsonNode.Parse(json)!);
        return ScrubbedTemplate.FromJson(json, new ScrubOptions { SortKeys = false }).ToJsonNode();
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
}
