using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace Patterns.Cdk.App;

/// <summary>
/// The one SNS topic every alarm of the sample app notifies (on ALARM and on OK). With the context value
/// <c>alarmEmail</c> (<c>cdk deploy -c alarmEmail=ops@example.com</c>) the address is subscribed; AWS sends it a
/// confirmation mail first. Without it, subscribe whatever you like to the topic (its ARN is an output).
/// </summary>
public sealed class AlarmTopicStack : Stack
{
    /// <summary>The context key holding the optional e-mail address.</summary>
    public const string EmailContextKey = "alarmEmail";

    /// <summary>The topic the alarms publish to.</summary>
    public Topic Topic { get; }

    /// <summary>Creates the stack.</summary>
    public AlarmTopicStack(Construct scope, string id, IStackProps props) : base(scope, id, props)
    {
        // CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key: a key of our own lets
        // CloudWatch (and only for alarms of this account) use it.
        var key = new Key(this, "TopicKey", new KeyProps
        {
            Description = "Encrypts the sample app's alarm topic.",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Account },
            },
        }));
        Topic = new Topic(this, "Topic", new TopicProps
        {
            DisplayName = "Patterns.Cdk sample alarms",
            MasterKey = key,
            EnforceSSL = true,
        });

        if (Node.TryGetContext(EmailContextKey) is { } value)
        {
            var email = value.ToString()?.Trim() ?? "";
            if (!System.Text.RegularExpressions.Regex.IsMatch(email, @"^[^@\s]+@[^@\s]+\.[^@\s]+$"))
            {
                throw new ArgumentException($"{EmailContextKey}: not an e-mail address (got '{email}'); pass -c {EmailContextKey}=you@example.com or leave it out");
            }

            Topic.AddSubscription(new EmailSubscription(email));
        }

        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps
        {
            Value = Topic.TopicArn,
            Description = "Every alarm of the sample app notifies this topic (ALARM and OK).",
        });
    }
}
