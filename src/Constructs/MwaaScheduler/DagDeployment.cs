using System.Collections.Concurrent;
using System.Security.Cryptography;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Deployment;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// Uploads the bundled DAGs (the <c>patterns_cdk</c> package: export and import DAGs and their logic) to
/// <c>&lt;DagFolder&gt;/patterns_cdk/</c> of the environment's bucket. The .py files are embedded in this assembly
/// (<c>Patterns.Cdk.Dags/&lt;path&gt;</c>) and extracted once per machine to a folder named by their SHA-256, so the
/// asset hash depends only on their bytes. Never prunes (the user's DAGs stay), keeps the files on stack deletion.
/// </summary>
internal static class DagDeployment
{
    /// <summary>Prefix of the embedded DAG files' resource names.</summary>
    public const string ResourcePrefix = "Patterns.Cdk.Dags/";

    /// <summary>The package folder inside the DAG sources and under the DAG folder.</summary>
    public const string Package = "patterns_cdk";

    /// <summary>
    /// The Python runtime of CDK's bucket-deployment handler: python3.12. CDK 2.160 pins python3.11 (create-blocked since
    /// 2026-07-31, tools/runtimes), and the house pin for Python helpers (python3.13) is newer than the AWS CLI its layer
    /// runs: awscli 1.31.11 (@aws-cdk/asset-awscli-v1 2.2.202) declares Python 3.7 to 3.12. python3.12's create block is
    /// 2028-11-30.
    /// </summary>
    public const string HandlerRuntime = "python3.12";

    /// <summary>Memory of the deployment handler: a handful of small .py files; set explicitly rather than Lambda's 128 MB default.</summary>
    public const double HandlerMemoryMb = 256;

    private static readonly ConcurrentDictionary<string, (string Path, string Sha256)> Extracted = new();

    /// <summary>The embedded DAG files: path relative to the package folder → bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files()
    {
        var assembly = typeof(DagDeployment).Assembly;
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var relative = name[ResourcePrefix.Length..].Replace('\\', '/');
            if (!relative.StartsWith(Package + "/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"The bundled DAG file '{relative}' is outside src/Constructs/MwaaScheduler/dags/{Package}/; only that package is deployed. Move it into the package.");
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[relative[(Package.Length + 1)..]] = buffer.ToArray();
        }

        return files;
    }

    /// <summary>Extracts the DAG files once into a folder named by their SHA-256 (over sorted paths and bytes).</summary>
    public static (string Path, string Sha256) Extract() => Extracted.GetOrAdd("dags", static _ =>
    {
        var files = Files();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, bytes) in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(path + "\n" + bytes.Length + "\n"));
            hash.AppendData(bytes);
        }

        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        var folder = Path.Combine(Path.GetTempPath(), "patterns-cdk-dags", sha);
        if (!Directory.Exists(folder))
        {
            var temp = folder + $".{System.Environment.ProcessId}.tmp";
            foreach (var (path, bytes) in files)
            {
                var target = Path.Combine(temp, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, bytes);
            }

            Directory.CreateDirectory(temp);
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                Directory.Delete(temp, recursive: true); // another process extracted the same bytes first
            }
        }

        return (folder, sha);
    });

    /// <summary>The S3 key prefix the DAGs are uploaded to.</summary>
    public static string DestinationPrefix(string dagFolder) => $"{dagFolder}/{Package}/";

    public static BucketDeployment Create(Construct scope, IBucket dagBucket, string dagFolder)
    {
        var (path, sha) = Extract();
        var deployment = new BucketDeployment(scope, "DagDeployment", new BucketDeploymentProps
        {
            Sources = [Source.Asset(path, new Amazon.CDK.AWS.S3.Assets.AssetOptions { AssetHash = sha, AssetHashType = AssetHashType.CUSTOM })],
            DestinationBucket = dagBucket,
            DestinationKeyPrefix = DestinationPrefix(dagFolder),
            Prune = false,
            RetainOnDelete = true,
            Extract = true,
            MemoryLimit = HandlerMemoryMb,
        });
        CdkHelperFunctions.Harden(scope);
        if (!Aspects.Of(Stack.Of(scope)).All.Any(a => a is PinHandlerRuntime))
        {
            Aspects.Of(Stack.Of(scope)).Add(new PinHandlerRuntime());
        }
        return deployment;
    }

    /// <summary>
    /// Runs after the house helper hardening (added earlier to the same stack), pins the deployment handler's runtime and
    /// explains the findings CDK's handler always raises (it is a stack singleton, outside our construct).
    /// </summary>
    private sealed class PinHandlerRuntime : Amazon.JSII.Runtime.Deputy.DeputyBase, IAspect
    {
        public void Visit(IConstruct node)
        {
            if (node is not CfnFunction function || function.Node.Scope?.Node.Id.StartsWith("Custom::CDKBucketDeployment", StringComparison.Ordinal) != true)
            {
                return;
            }

            function.AddPropertyOverride("Runtime", HandlerRuntime);
            const string why = "CDK's BucketDeployment handler (aws-cdk-lib custom resource) that uploads MwaaScheduler's bundled DAGs at deploy time";
            NagSuppressions.Add(function,
                new NagSuppression("AwsSolutions-L1", why + " runs on " + HandlerRuntime + ", set by Patterns.Cdk: the newest Python its AWS CLI layer (awscli 1.31.11) supports; tools/runtimes keeps it deployable."),
                new NagSuppression("Serverless-LambdaLatestVersion", why + " runs on " + HandlerRuntime + ", the newest Python its AWS CLI layer (awscli 1.31.11) supports."),
                new NagSuppression("Serverless-LambdaDLQ", why + " is invoked by CloudFormation, which waits for its response: a failed invocation fails the deployment, so a DLQ would only hold a copy of CloudFormation's request."),
                new NagSuppression("Serverless-LambdaTracing", why + " runs only during deployments."));
            if (function.Node.Scope!.Node.TryFindChild("ServiceRole") is { } role)
            {
                NagSuppressions.Add(role, new NagSuppression("AwsSolutions-IAM4", why + " uses the AWS managed basic execution policy.",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
                if (role.Node.TryFindChild("DefaultPolicy") is { } policy)
                {
                    NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5",
                        why + " gets CDK's fixed grants: read of the staged asset in the bootstrap bucket, read/write of the destination bucket (its delete rights serve CDK's prune option, which MwaaScheduler turns off; the handler copies into <DagFolder>/patterns_cdk/ only).",
                        "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
                        NagSuppression.Regex("/^Resource::.*\\/\\*$/g")));
                }
            }
        }
    }
}
