using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>
/// Hardens the Lambda functions aws-cdk-lib 2.160 creates on its own behalf (custom-resource handlers) wherever our
/// constructs cause them to exist: a runtime Lambda still accepts, a log group with retention, and the cdk-nag
/// findings they always raise explained.
/// </summary>
/// <remarks>
/// <para>Which helpers our constructs can make (aws-cdk-lib 2.160.0):</para>
/// <list type="bullet">
/// <item><c>BucketNotificationsHandler050a0587b7544547bf325f094a3db834</c>: whenever a construct adds an S3
/// notification (RecursionSafeS3Processor, FaceBlurPipeline). CDK pins <c>python3.11</c> (create-blocked since
/// 2026-07-31); its inline code uses only json, logging, urllib.request and boto3, all present on python3.13.</item>
/// <item><c>Custom::S3AutoDeleteObjectsCustomResourceProvider</c>: when a user sets <c>AutoDeleteObjects</c> in any
/// bucket props. CDK picks the region's "latest" Node.js (<c>nodejs20.x</c>, create-blocked since 2026-06-01, or a
/// FindInMap over such names for region-agnostic stacks). Its handler is async JavaScript on the runtime's AWS SDK v3.</item>
/// <item><c>Custom::VpcRestrictDefaultSGCustomResourceProvider</c>: whenever a construct creates a VPC
/// (EventDrivenSettlement's container mode) with <c>@aws-cdk/aws-ec2:restrictDefaultSecurityGroup</c> on, as in this
/// repository's cdk.json. Same Node.js choice; its handler is async JavaScript on the runtime's AWS SDK v3.</item>
/// <item>The DynamoDB replica provider (nested stack <c>@aws-cdk/aws-dynamodb.ReplicaProvider</c>: two handlers and
/// the provider framework's functions): when a user sets <c>ReplicationRegions</c> in table props. Same Node.js choice.</item>
/// </list>
/// <para>Not reachable from our constructs: log retention (our functions always get an explicit log group, and CDK
/// refuses <c>LogRetention</c> together with <c>LogGroup</c>), AwsCustomResource, the Provider framework outside the
/// replica provider, BucketDeployment. The aspect still recognises any function CDK marks as its own custom-resource
/// handler, so such a helper added later is hardened too.</para>
/// </remarks>
internal static class CdkHelperFunctions
{
    /// <summary>The Python runtime CDK's Python helpers run on. python3.13: create-block 2029-07-31 (tools/runtimes).</summary>
    public const string PythonRuntime = "python3.13";

    /// <summary>
    /// The Node.js runtime CDK's Node.js helpers run on. nodejs22.x (create-block 2027-06-01, tools/runtimes): the
    /// newest Node.js runtime whose handler model (callbacks and async) matches what 2.160's handlers were built for.
    /// </summary>
    public const string NodeRuntime = "nodejs22.x";

    /// <summary>Retention of the helpers' log groups: they run only during deployments.</summary>
    public static readonly RetentionDays LogRetention = RetentionDays.THREE_MONTHS;

    /// <summary>Construct id of CDK's bucket-notification handler (a stack singleton).</summary>
    public const string BucketNotificationsHandlerId = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

    /// <summary>Construct id of CDK's provider that strips the rules of a new VPC's default security group (a stack singleton).</summary>
    public const string VpcRestrictDefaultSgProviderId = "Custom::VpcRestrictDefaultSGCustomResourceProvider";

    /// <summary>Construct ids under which aws-cdk-lib creates helper functions without marking them.</summary>
    private static readonly string[] KnownHelperIds =
    [
        BucketNotificationsHandlerId,
        "Custom::S3AutoDeleteObjectsCustomResourceProvider",
        "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a",
        "@aws-cdk--aws-dynamodb.ReplicaProvider",
    ];

    /// <summary>
    /// Applies the hardening to every CDK helper function of <paramref name="scope"/>'s stack, including helpers created
    /// after this call (it runs as an aspect when the app synthesizes). Calling it again for the same stack is a no-op.
    /// </summary>
    public static void Harden(IConstruct scope)
    {
        var stack = Stack.Of(scope);
        if (!Aspects.Of(stack).All.Any(a => a is HelperFunctionAspect))
        {
            Aspects.Of(stack).Add(new HelperFunctionAspect());
        }
    }

    /// <summary>True when <paramref name="resource"/> is a Lambda function aws-cdk-lib created for itself.</summary>
    internal static bool IsHelper(CfnResource resource)
    {
        if (resource.CfnResourceType != "AWS::Lambda::Function")
        {
            return false;
        }

        for (IConstruct? node = resource; node is not null; node = node.Node.Scope)
        {
            if (KnownHelperIds.Contains(node.Node.Id)
                || node.Node.Metadata.Any(m => m.Type.StartsWith("aws:cdk:is-custom-resource-handler-", StringComparison.Ordinal)))
            {
                return true;
            }

            if (node is Stack and not NestedStack)
            {
                break;
            }
        }

        return false;
    }

    private sealed class HelperFunctionAspect : DeputyBase, IAspect
    {
        public void Visit(IConstruct node)
        {
            if (node is not CfnResource resource || !IsHelper(resource))
            {
                return;
            }

            var isPython = resource is CfnFunction function
                ? function.Runtime?.StartsWith("python", StringComparison.Ordinal) == true
                : resource.Node.Scope?.Node.Id == BucketNotificationsHandlerId;
            resource.AddPropertyOverride("Runtime", isPython ? PythonRuntime : NodeRuntime);

            // Without a LoggingConfig, Lambda creates /aws/lambda/<name> on first run with no retention. The helpers'
            // roles carry AWSLambdaBasicExecutionRole, which may write to any log group, so no grant is needed.
            var stack = Stack.Of(resource);
            // Named after the function's path inside its stack, like CDK's own logical ids (no stack name in it).
            var relativePath = resource.Node.Path[(stack.Node.Path.Length + (stack.Node.Path.Length > 0 ? 1 : 0))..];
            var logsId = new string(relativePath.Where(char.IsAsciiLetterOrDigit).ToArray()) + "Logs";
            if (stack.Node.TryFindChild(logsId) is not LogGroup logGroup)
            {
                logGroup = new LogGroup(stack, logsId, new LogGroupProps
                {
                    Retention = LogRetention,
                    RemovalPolicy = RemovalPolicy.RETAIN,
                });
            }

            resource.AddPropertyOverride("LoggingConfig.LogGroup", logGroup.LogGroupName);
            if (resource.Node.Scope?.Node.Id == BucketNotificationsHandlerId)
            {
                CommonSuppressions.BucketNotificationsHandler(resource.Node.Scope);
            }

            if (resource.Node.Scope?.Node.Id == VpcRestrictDefaultSgProviderId)
            {
                CommonSuppressions.VpcRestrictDefaultSgProvider(resource.Node.Scope);
            }
        }
    }
}
