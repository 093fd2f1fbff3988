using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>cdk-nag findings every construct meets the same way, with the reason written once.</summary>
internal static class CommonSuppressions
{
    /// <summary>Suppressions on the default policy of a function role the construct created.</summary>
    public static void OnRolePolicy(IFunction function, params NagSuppression[] suppressions)
    {
        if (function.Role is Role role && role.Node.TryFindChild("DefaultPolicy") is { } policy)
        {
            NagSuppressions.Add(policy, suppressions);
        }
    }

    /// <summary>An SQS event source cannot have an on-failure destination; the queue's redrive policy is its DLQ.</summary>
    public static void SqsEventSources(IFunction consumer)
    {
        foreach (var child in consumer.Node.Children)
        {
            if (child.Node.DefaultChild is CfnResource { CfnResourceType: "AWS::Lambda::EventSourceMapping" } mapping)
            {
                NagSuppressions.Add(mapping, new NagSuppression("Serverless-LambdaEventSourceMappingDestination",
                    "SQS event sources do not support on-failure destinations; failed messages move to the dead-letter queue through the queue's redrive policy."));
            }
        }
    }

    /// <summary>
    /// CDK's own bucket-notification custom resource (one per stack): explain the findings it always raises. Applied by
    /// <see cref="CdkHelperFunctions"/>, which also sets its runtime and log group.
    /// </summary>
    public static void BucketNotificationsHandler(IConstruct scope)
    {
        var handler = Stack.Of(scope).Node.TryFindChild(CdkHelperFunctions.BucketNotificationsHandlerId);
        if (handler is null)
        {
            return;
        }

        const string why = "CDK's BucketNotificationsHandler (aws-cdk-lib custom resource) that applies S3 notification configuration at deploy time";
        const string runtime = " runs on " + CdkHelperFunctions.PythonRuntime + ", set by Patterns.Cdk (the newest Python runtime its inline code is known to run on; tools/runtimes keeps it deployable).";
        NagSuppressions.Add(handler,
            new NagSuppression("AwsSolutions-L1", why + runtime),
            new NagSuppression("Serverless-LambdaLatestVersion", why + runtime),
            new NagSuppression("Serverless-LambdaDefaultMemorySize", why + " is owned by aws-cdk-lib and runs only during deployments."),
            new NagSuppression("Serverless-LambdaDLQ", why + " is invoked asynchronously by CloudFormation, which then waits for the handler's response " +
                "on a pre-signed URL: a failed or silent invocation fails the deployment (after the custom resource's timeout), so a DLQ would only hold a copy of CloudFormation's request."),
            new NagSuppression("Serverless-LambdaTracing", why + " runs only during deployments."));
        if (handler.Node.TryFindChild("Role") is { } role)
        {
            NagSuppressions.Add(role,
                new NagSuppression("AwsSolutions-IAM4", why + " uses the AWS managed basic execution policy.",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
            if (role.Node.TryFindChild("DefaultPolicy") is { } policy)
            {
                NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5", why + " needs s3:PutBucketNotification on the buckets it configures.", "Resource::*"));
            }
        }
    }

    /// <summary>
    /// CDK's provider that removes every rule of a new VPC's default security group (one per stack): explain the findings
    /// it always raises. Applied by <see cref="CdkHelperFunctions"/>, which also sets its runtime and log group.
    /// </summary>
    public static void VpcRestrictDefaultSgProvider(IConstruct provider)
    {
        const string why = "CDK's VpcRestrictDefaultSG provider (aws-cdk-lib custom resource) that removes every rule of the VPC's default security group at deploy time";
        if (provider.Node.TryFindChild("Handler") is CfnResource handler)
        {
            const string runtime = " runs on " + CdkHelperFunctions.NodeRuntime + ", set by Patterns.Cdk (tools/runtimes keeps it deployable).";
            NagSuppressions.Add(handler,
                new NagSuppression("AwsSolutions-L1", why + runtime),
                new NagSuppression("Serverless-LambdaLatestVersion", why + runtime),
                new NagSuppression("Serverless-LambdaDLQ", why + " is invoked by CloudFormation, which waits for its response: a failed invocation fails the deployment, so a DLQ would only hold a copy of CloudFormation's request."),
                new NagSuppression("Serverless-LambdaTracing", why + " runs only during deployments."));
        }

        if (provider.Node.TryFindChild("Role") is CfnResource role)
        {
            NagSuppressions.Add(role, new NagSuppression("AwsSolutions-IAM4", why + " uses the AWS managed basic execution policy (its own ec2 actions are limited to the default security group).",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
        }
    }
}
