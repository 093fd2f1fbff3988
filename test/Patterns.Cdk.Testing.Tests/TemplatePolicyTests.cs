using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using FluentAssertions;
using Xunit;

namespace Patterns.Cdk.Testing.Tests;

public sealed class TemplatePolicyTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Stack NewStack() => new(CdkTestApp.Create(_dir.Write("cdk.json", """{"context":{"@aws-cdk/aws-iam:minimizePolicies":true}}""")), "Policy");

    private static Role NewRole(Stack stack, string id = "Role") =>
        new(stack, id, new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });

    private static PolicyStatement Allow(string[] actions, params string[] resources) =>
        new(new PolicyStatementProps { Actions = actions, Resources = resources });

    private static TemplatePolicyOptions Only(TemplatePolicyRules rules) => new() { Rules = rules };

    private static IReadOnlyList<TemplatePolicyViolation> Violations(Stack stack, TemplatePolicyOptions options) =>
        TemplatePolicy.Violations(JsonNode.Parse(ScrubbedTemplate.FromStack(stack).ToJson())!, options);

    // ---- Resource "*" ----

    [Fact]
    public void An_action_on_every_resource_is_a_violation_naming_the_policy_and_the_action()
    {
        var stack = NewStack();
        NewRole(stack).AddToPolicy(Allow(["s3:GetObject", "xray:PutTraceSegments"], "*"));

        var violations = Violations(stack, Only(TemplatePolicyRules.WildcardResources));

        violations.Should().ContainSingle();
        violations[0].LogicalId.Should().StartWith("RoleDefaultPolicy");
        violations[0].Subject.Should().Be("s3:GetObject");
        violations[0].Message.Should().Contain("s3:GetObject").And.Contain("Resource \"*\"");
    }

    [Fact]
    public void Scoped_statements_deny_statements_and_default_wildcard_actions_pass()
    {
        var stack = NewStack();
        var role = NewRole(stack);
        role.AddToPolicy(Allow(["s3:GetObject"], "arn:aws:s3:::bucket/*"));
        role.AddToPolicy(Allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData", "ec2:DescribeSubnets"], "*"));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Effect = Effect.DENY, Actions = ["s3:*"], Resources = ["*"] }));

        Violations(stack, Only(TemplatePolicyRules.WildcardResources)).Should().BeEmpty();
    }

    [Fact]
    public void The_callers_allow_list_adds_to_the_defaults_with_iam_wildcards()
    {
        var stack = NewStack();
        NewRole(stack).AddToPolicy(Allow(["ssm:DescribeParameters", "ssm:Describe*", "kms:ListAliases"], "*"));
        var options = new TemplatePolicyOptions { Rules = TemplatePolicyRules.WildcardResources, AllowedWildcardActions = ["SSM:describe*", "kms:List?liases"] };

        Violations(stack, options).Should().BeEmpty();
    }

    [Fact]
    public void A_wildcard_action_passes_only_when_the_allow_list_covers_all_it_grants()
    {
        var stack = NewStack();
        NewRole(stack).AddToPolicy(Allow(["ec2:*"], "*"));

        Violations(stack, Only(TemplatePolicyRules.WildcardResources)).Select(v => v.Subject).Should().Equal("ec2:*");
    }

    [Fact]
    public void Managed_policies_inline_role_policies_NotAction_and_NotResource_are_checked()
    {
        var stack = NewStack();
        _ = new ManagedPolicy(stack, "Managed", new ManagedPolicyProps { Statements = [Allow(["sqs:SendMessage"], "*")] });
        _ = new Role(stack, "Inline", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["Everything"] = new(new PolicyDocumentProps { Statements = [new PolicyStatement(new PolicyStatementProps { NotActions = ["iam:*"], Resources = ["*"] })] }),
                ["AllBut"] = new(new PolicyDocumentProps { Statements = [new PolicyStatement(new PolicyStatementProps { Actions = ["s3:GetObject"], NotResources = ["arn:aws:s3:::secret/*"] })] }),
            },
        });

        var violations = Violations(stack, Only(TemplatePolicyRules.WildcardResources));

        violations.Select(v => (v.LogicalId[..6], v.Subject)).Should().BeEquivalentTo(
            [("Manage", "sqs:SendMessage"), ("Inline", "iam:*"), ("Inline", "arn:aws:s3:::secret/*")]);
        violations.Where(v => v.Subject == "iam:*").Should().ContainSingle().Which.Message.Should().Contain("NotAction");
    }

    // ---- Lambda runtimes and architectures ----

    private static Function NewFunction(Stack stack, string id, Runtime runtime, Architecture? architecture = null) =>
        new(stack, id, new FunctionProps
        {
            // Inline code keeps the test free of assets; the CDK refuses it for runtimes it flags as not supporting it.
            Runtime = new Runtime(runtime.Name, runtime.Family, new LambdaRuntimeProps { SupportsInlineCode = true }),
            Architecture = architecture,
            Handler = "index.handler",
            Code = Code.FromInline("exports.handler = async () => 1;"),
        });

    private static readonly Runtime Node18 = new("nodejs18.x", RuntimeFamily.NODEJS, new LambdaRuntimeProps { SupportsInlineCode = true });

    [Fact]
    public void A_function_on_a_runtime_outside_the_list_is_a_violation()
    {
        var stack = NewStack();
        NewFunction(stack, "Old", Node18, Architecture.ARM_64);
        NewFunction(stack, "Native", Runtime.PROVIDED_AL2023, Architecture.ARM_64);

        var violations = Violations(stack, Only(TemplatePolicyRules.LambdaRuntimes));

        violations.Should().ContainSingle();
        violations[0].LogicalId.Should().StartWith("Old");
        violations[0].Subject.Should().Be("nodejs18.x");
        violations[0].Message.Should().Contain("provided.al2023");
    }

    [Fact]
    public void The_callers_runtime_list_replaces_the_defaults()
    {
        var stack = NewStack();
        NewFunction(stack, "Old", Node18, Architecture.ARM_64);
        NewFunction(stack, "Native", Runtime.PROVIDED_AL2023, Architecture.ARM_64);

        Violations(stack, new TemplatePolicyOptions { Rules = TemplatePolicyRules.LambdaRuntimes, AllowedRuntimes = ["nodejs18.x"] })
            .Select(v => v.Subject).Should().Equal("provided.al2023");
    }

    [Fact]
    public void A_function_without_architectures_runs_on_x86_64()
    {
        var stack = NewStack();
        NewFunction(stack, "Intel", Runtime.PROVIDED_AL2023);
        NewFunction(stack, "Graviton", Runtime.PROVIDED_AL2023, Architecture.ARM_64);

        Violations(stack, Only(TemplatePolicyRules.LambdaArchitectures)).Should().BeEmpty("both architectures are allowed by default");
        var violations = Violations(stack, new TemplatePolicyOptions { Rules = TemplatePolicyRules.LambdaArchitectures, AllowedArchitectures = ["arm64"] });
        violations.Should().ContainSingle().Which.Message.Should().Contain("x86_64 (no Architectures given)");
        violations[0].LogicalId.Should().StartWith("Intel");
    }

    [Fact]
    public void Every_runtime_a_region_mapping_can_pick_is_checked_and_an_unresolvable_one_reported()
    {
        var template = JsonNode.Parse("""
            {"Mappings":{"Latest":{"eu-west-1":{"value":"nodejs22.x"},"cn-north-1":{"value":"nodejs18.x"}}},
             "Resources":{
               "Mapped":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":{"Fn::FindInMap":["Latest",{"Ref":"AWS::Region"},"value"]}}},
               "Dynamic":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":{"Ref":"RuntimeParameter"}}},
               "Image":{"Type":"AWS::Lambda::Function","Properties":{"PackageType":"Image"}}}}
            """)!;

        var violations = TemplatePolicy.Violations(template, Only(TemplatePolicyRules.LambdaRuntimes));

        violations.Select(v => (v.LogicalId, v.Subject)).Should().Equal(("Mapped", "nodejs18.x"), ("Dynamic", """{"Ref":"RuntimeParameter"}"""));
        violations[1].Message.Should().Contain("cannot be resolved");
    }

    // ---- Queues ----

    [Fact]
    public void An_unencrypted_queue_and_a_queue_without_dead_letter_queue_are_violations()
    {
        var stack = NewStack();
        _ = new Queue(stack, "Plain", new QueueProps { Encryption = QueueEncryption.UNENCRYPTED });
        var dlq = new Queue(stack, "Dlq", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED });
        _ = new Queue(stack, "Work", new QueueProps
        {
            Encryption = QueueEncryption.KMS_MANAGED,
            DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 3 },
        });

        var violations = Violations(stack, Only(TemplatePolicyRules.QueueEncryption | TemplatePolicyRules.QueueDeadLetterQueues));

        violations.Select(v => (v.Rule, v.LogicalId[..5])).Should().BeEquivalentTo(
            [(TemplatePolicyRules.QueueEncryption, "Plain"), (TemplatePolicyRules.QueueDeadLetterQueues, "Plain")]);
    }

    [Fact]
    public void A_queue_that_does_not_say_how_it_is_encrypted_is_a_violation()
    {
        var template = JsonNode.Parse("""
            {"Resources":{
              "Default":{"Type":"AWS::SQS::Queue","Properties":{"RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Target","Arn"]},"maxReceiveCount":3}}},
              "Off":{"Type":"AWS::SQS::Queue","Properties":{"SqsManagedSseEnabled":false,"RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["Target","Arn"]},"maxReceiveCount":3}}},
              "Target":{"Type":"AWS::SQS::Queue","Properties":{"SqsManagedSseEnabled":true}}}}
            """)!;

        TemplatePolicy.Violations(template).Select(v => v.LogicalId).Should().Equal("Default", "Off");
    }

    [Fact]
    public void A_dead_letter_queue_of_a_rule_target_needs_no_dead_letter_queue_of_its_own()
    {
        var stack = NewStack();
        var dlq = new Queue(stack, "RuleDlq", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED });
        var target = new Queue(stack, "Target", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED, DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 5 } });
        var rule = new Rule(stack, "Rule", new RuleProps { EventPattern = new EventPattern { Source = ["claims"] } });
        var other = new Queue(stack, "TargetDlq", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED });
        rule.AddTarget(new Amazon.CDK.AWS.Events.Targets.SqsQueue(target, new Amazon.CDK.AWS.Events.Targets.SqsQueueProps { DeadLetterQueue = other }));

        Violations(stack, Only(TemplatePolicyRules.QueueDeadLetterQueues)).Should().BeEmpty();
    }

    // ---- All rules, the exception ----

    [Fact]
    public void A_good_stack_passes_every_rule()
    {
        var stack = NewStack();
        var dlq = new Queue(stack, "Dlq", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED });
        var queue = new Queue(stack, "Work", new QueueProps { Encryption = QueueEncryption.SQS_MANAGED, DeadLetterQueue = new DeadLetterQueue { Queue = dlq, MaxReceiveCount = 3 } });
        var fn = NewFunction(stack, "Handler", Runtime.PROVIDED_AL2023, Architecture.ARM_64);
        queue.GrantConsumeMessages(fn);
        fn.AddToRolePolicy(Allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"));

        FluentActions.Invoking(() => TemplatePolicy.Assert(stack)).Should().NotThrow();
    }

    [Fact]
    public void Assert_throws_one_exception_listing_every_violation_with_its_logical_id()
    {
        var stack = NewStack();
        var fn = NewFunction(stack, "Old", Node18);
        fn.AddToRolePolicy(Allow(["dynamodb:*"], "*"));
        _ = new Queue(stack, "Plain", new QueueProps { Encryption = QueueEncryption.UNENCRYPTED });

        var thrown = FluentActions.Invoking(() => TemplatePolicy.Assert(stack, new TemplatePolicyOptions { AllowedArchitectures = ["arm64"] }))
            .Should().Throw<TemplatePolicyException>().Which;

        thrown.Violations.Select(v => v.Rule).Should().BeEquivalentTo([
            TemplatePolicyRules.WildcardResources, TemplatePolicyRules.LambdaRuntimes, TemplatePolicyRules.LambdaArchitectures,
            TemplatePolicyRules.QueueEncryption, TemplatePolicyRules.QueueDeadLetterQueues]);
        thrown.Message.Should().StartWith("The template breaks 5 policy rule(s):");
        foreach (var violation in thrown.Violations)
        {
            thrown.Message.Should().Contain($"[{violation.Rule}] {violation.LogicalId}: {violation.Message}");
        }
    }

    [Fact]
    public void No_rule_selected_finds_nothing()
    {
        var stack = NewStack();
        _ = new Queue(stack, "Plain", new QueueProps { Encryption = QueueEncryption.UNENCRYPTED });

        Violations(stack, Only(TemplatePolicyRules.None)).Should().BeEmpty();
        Violations(stack, new TemplatePolicyOptions()).Should().HaveCount(2);
    }
}
