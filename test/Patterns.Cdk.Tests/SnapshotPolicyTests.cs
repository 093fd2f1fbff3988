using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SQS;
using FluentAssertions;
using Patterns.Cdk.Testing;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Every snapshot template passes Patterns.Cdk.Testing's <see cref="TemplatePolicy"/> before it is scrubbed
/// (<see cref="TestApp.Scrubbed"/>);
/// the check fails where it must (it is not a gate that cannot fail).
/// </summary>
public class SnapshotPolicyTests
{
    [Fact]
    public void A_snapshot_of_a_stack_with_an_unencrypted_queue_without_dead_letter_queue_fails()
    {
        var stack = TestApp.NewStack();
        _ = new Queue(stack, "Plain", new QueueProps { Encryption = QueueEncryption.UNENCRYPTED });

        FluentActions.Invoking(() => TestApp.Scrubbed(stack)).Should().Throw<TemplatePolicyException>()
            .Which.Violations.Select(v => v.Rule).Should().BeEquivalentTo([TemplatePolicyRules.QueueEncryption, TemplatePolicyRules.QueueDeadLetterQueues]);
    }

    [Fact]
    public void A_snapshot_of_a_stack_granting_an_action_on_every_resource_fails()
    {
        var stack = TestApp.NewStack();
        var role = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new PolicyStatementProps { Actions = ["s3:GetObject"], Resources = ["*"] }));

        FluentActions.Invoking(() => TestApp.Scrubbed(stack)).Should().Throw<TemplatePolicyException>()
            .WithMessage("*RoleDefaultPolicy*s3:GetObject*");
    }

    [Fact]
    public void The_notification_actions_CDK_grants_its_own_handler_on_every_resource_pass()
    {
        var stack = TestApp.NewStack();
        var role = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new PolicyStatementProps { Actions = ["s3:PutBucketNotification"], Resources = ["*"] }));

        FluentActions.Invoking(() => TestApp.Scrubbed(stack)).Should().NotThrow();
    }
}
