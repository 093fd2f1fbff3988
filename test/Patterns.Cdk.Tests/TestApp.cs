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
            Outdir = Path.Combine(OutdirRoot.Value, Guid.NewGuid().ToString("N")),
        });

    /// <summary>
    /// This test process's synthesis output: every app writes its assembly (with copies of the handler zips, 5-17 MB
    /// each) under it, and the whole directory goes when the process exits, or at the latest when the next test process starts, so test runs do
    /// not pile up gigabytes in /tmp.
    /// </summary>
    private static readonly Lazy<string> OutdirRoot = new(() =>
    {
        var parent = Path.Combine(Path.GetTempPath(), "patterns-cdk-tests");
        RemoveLeftovers(parent);
        var root = Path.Combine(parent, $"{System.Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file still open at exit stays for the OS's temp cleanup.
            }
        };
        return root;
    });

    /// <summary>
    /// Deletes the output of earlier test processes that are gone (the test host is often stopped without running
    /// ProcessExit handlers); a directory of a process still running is left alone.
    /// </summary>
    private static void RemoveLeftovers(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(parent))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), out var pid) || IsRunning(pid))
            {
                continue;
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Another process is deleting it too, or a file is still open: the next run tries again.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

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
