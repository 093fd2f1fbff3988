using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The CDK app every test synthesizes into: fixed account/region, analytics off, and the feature flags our
/// output depends on pinned, so a template only changes when our code does.
/// </summary>
internal static partial class TestApp
{
    public static readonly Amazon.CDK.Environment Env = new() { Account = "123456789012", Region = "eu-west-1" };

    public static Stack NewStack(string name = "TestStack")
    {
        var app = new App(new AppProps
        {
            AnalyticsReporting = false,
            Outdir = Path.Combine(Path.GetTempPath(), "patterns-cdk-tests", Guid.NewGuid().ToString("N")),
            Context = new Dictionary<string, object>
            {
                ["@aws-cdk/aws-iam:minimizePolicies"] = true,
                ["@aws-cdk/aws-lambda:recognizeLayerVersion"] = true,
                ["@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"] = true,
                ["@aws-cdk/aws-s3:createDefaultLoggingPolicy"] = true,
                ["@aws-cdk/aws-sqs:dlqEncryptionKmsDefault"] = true,
                ["@aws-cdk/core:stackRelativeExports"] = true,
                ["@aws-cdk/aws-lambda:useLatestRuntimeVersion"] = true,
                ["@aws-cdk/aws-iam:standardizedServicePrincipals"] = true,
                ["@aws-cdk/core:enablePartitionLiterals"] = true,
                ["@aws-cdk/aws-s3:keepNotificationInImportedBucket"] = true,
            },
        });
        return new Stack(app, name, new StackProps { Env = Env });
    }

    public static Template Template(Stack stack) => Amazon.CDK.Assertions.Template.FromStack(stack);

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
