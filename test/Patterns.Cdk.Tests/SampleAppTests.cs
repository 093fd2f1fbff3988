using System.Text.Json.Nodes;
using Amazon.CDK;
using Constructs;
using FluentAssertions;
using Patterns.Cdk.App;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The sample app (src/App) is one system: these tests synthesize it as <c>cdk synth</c> does without credentials (region
/// only) and check how the stacks fit together. Every template passes the runtime gate here and is written for the
/// cdk-nag gate (artifacts/nag/SampleApp-*.template.json).
/// </summary>
public class SampleAppTests
{
    private static readonly Lazy<(SampleApp App, IReadOnlyDictionary<string, JsonNode> Templates)> Synth = new(() =>
    {
        var app = TestApp.NewApp();
        var sample = SampleApp.Compose(app, new Amazon.CDK.Environment { Region = "us-east-1" });
        var assembly = app.Synth();
        var templates = sample.Stacks.ToDictionary(s => s.StackName, s =>
        {
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(assembly.GetStackByName(s.StackName).Template);
            var template = JsonNode.Parse(json)!;
            RuntimeGate.Check(template);
            var dir = Path.Combine(TestApp.RepoRoot(), "artifacts", "nag");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"SampleApp-{s.StackName}.template.json"), json);
            return template;
        });
        return (sample, templates);
    });

    private static JsonNode Template(Stack stack) => Synth.Value.Templates[stack.StackName];

    private static IEnumerable<(string Id, JsonNode Properties)> Resources(Stack stack, string type) =>
        Template(stack)["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"] ?? new JsonObject()));

    private static string Id(Stack stack, IConstruct construct) =>
        stack.GetLogicalId((CfnElement)(construct as CfnElement ?? construct.Node.DefaultChild!));

    [Fact]
    public void Six_stacks_each_deployable_alone_with_only_the_alarm_topic_and_the_partner_url_shared()
    {
        var sample = Synth.Value.App;
        sample.Stacks.Select(s => s.StackName).Should().Equal(
            "PatternsCdk-Alarms", "PatternsCdk-UploadProcessing", "PatternsCdk-DemoPartner", "PatternsCdk-PartnerSync", "PatternsCdk-Claims", "PatternsCdk-Airflow");
        foreach (var stack in sample.Stacks)
        {
            var dependencies = stack.Dependencies.Select(d => d.StackName).ToList();
            var expected = stack == sample.Alarms ? [] : stack == sample.PartnerSync ? new[] { "PatternsCdk-Alarms", "PatternsCdk-DemoPartner" }
                : stack == sample.DemoPartner ? [] : new[] { "PatternsCdk-Alarms" };
            dependencies.Should().BeEquivalentTo(expected, stack.StackName);
        }

        Template(sample.Alarms)["Outputs"]!.AsObject().Count(o => o.Value!["Export"] != null).Should().Be(1, "the topic's ARN is the alarm stack's one export");
    }

    [Fact]
    public void The_upload_bucket_feeds_face_blur_from_photos_and_stamping_from_documents()
    {
        var uploads = Synth.Value.App.Uploads;
        uploads.Photos.SourceBucket.Should().BeSameAs(uploads.Documents.Bucket);
        var bucketId = Id(uploads, uploads.Documents.Bucket);
        var notifications = Resources(uploads, "Custom::S3BucketNotifications").Single().Properties;
        notifications["BucketName"]!.ToJsonString().Should().Be($"{{\"Ref\":\"{bucketId}\"}}");
        var routes = notifications["NotificationConfiguration"]!["QueueConfigurations"]!.AsArray()
            .ToDictionary(q => (string)q!["Filter"]!["Key"]!["FilterRules"]![0]!["Value"]!, q => q!["QueueArn"]!.ToJsonString());
        routes.Keys.Should().BeEquivalentTo(["documents/", "photos/"]);
        routes["photos/"].Should().Contain(Id(uploads, uploads.Photos.WorkQueue));
        routes["documents/"].Should().Contain("UploadsWorkQueue");

        // Each upload API writes under the prefix its processor reads, and only the content types that processor handles.
        var functions = Resources(uploads, "AWS::Lambda::Function").Where(f => f.Properties["Environment"]?["Variables"]?["KEY_PREFIX"] != null).ToList();
        functions.Should().HaveCount(6);
        foreach (var (id, function) in functions)
        {
            var variables = function["Environment"]!["Variables"]!;
            ((string?)variables["UPLOAD_BUCKET"]!["Ref"]).Should().Be(bucketId, id);
            var (prefix, types) = id.StartsWith("PhotoUploads", StringComparison.Ordinal) ? ("photos", "image/jpeg,image/png") : ("documents", "application/pdf,text/plain,text/csv");
            ((string?)variables["KEY_PREFIX"]).Should().Be(prefix, id);
            ((string?)variables["ALLOWED_CONTENT_TYPES"]).Should().Be(types, id);
        }
    }

    [Fact]
    public void The_two_upload_apis_share_one_vpc_and_one_api_endpoint()
    {
        var uploads = Synth.Value.App.Uploads;
        Resources(uploads, "AWS::EC2::VPC").Should().HaveCount(1);
        Resources(uploads, "AWS::EC2::VPCEndpoint").Should().HaveCount(2, "one S3 gateway endpoint and one execute-api endpoint");
        Resources(uploads, "AWS::ApiGateway::RestApi").Should().HaveCount(2);
        var endpointId = Id(uploads, uploads.PhotoUploads.ApiEndpoint);
        foreach (var (id, api) in Resources(uploads, "AWS::ApiGateway::RestApi"))
        {
            api["EndpointConfiguration"]!["Types"]!.ToJsonString().Should().Be("[\"PRIVATE\"]", id);
            api["EndpointConfiguration"]!["VpcEndpointIds"]!.ToJsonString().Should().Be($"[{{\"Ref\":\"{endpointId}\"}}]", id);
        }
    }

    [Fact]
    public void The_bucket_accepts_writes_from_outside_the_vpc_only_from_the_named_processors()
    {
        var uploads = Synth.Value.App.Uploads;
        var statements = Resources(uploads, "AWS::S3::BucketPolicy")
            .Single(p => p.Properties["Bucket"]!.ToJsonString().Contains(Id(uploads, uploads.Documents.Bucket), StringComparison.Ordinal))
            .Properties["PolicyDocument"]!["Statement"]!.AsArray();
        statements.Count(s => (string?)s!["Sid"] == "DenyPresignedUploadsFromOutsideTheVpc").Should().Be(1, "one API writes the restriction, once");
        var others = statements.Single(s => (string?)s!["Sid"] == "DenyOtherWritersFromOutsideTheVpc")!;
        ((string?)others["Effect"]).Should().Be("Deny");
        others["Condition"]!["StringNotEquals"]!["aws:SourceVpc"]!.ToJsonString().Should().Be($"{{\"Ref\":\"{Id(uploads, uploads.PhotoUploads.Vpc)}\"}}");
        var exempt = others["Condition"]!["ArnNotEquals"]!["aws:PrincipalArn"]!.AsArray().Select(a => (string)a!["Fn::GetAtt"]![0]!).ToList();
        var expected = new[] { uploads.DocumentUploads, uploads.PhotoUploads }
            .SelectMany(api => new[] { api.SessionsFunction, api.CompleterFunction, api.DirectUploadFunction })
            .Append(uploads.Documents.ProcessorFunction)
            .Select(f => Id(uploads, f.Role!))
            .ToList();
        exempt.Should().BeEquivalentTo(expected, "every writer outside the VPC is named, and nothing else");
        uploads.OutsideVpcWriters.Should().HaveCount(4);
    }

    [Fact]
    public void The_settlement_rest_api_is_iam_only_and_finalized_settlements_reach_an_encrypted_queue_with_a_dlq()
    {
        var claims = Synth.Value.App.Claims;
        var methods = Resources(claims, "AWS::ApiGateway::Method").ToList();
        methods.Should().NotBeEmpty();
        methods.Should().OnlyContain(m => (string?)m.Properties["AuthorizationType"] == "AWS_IAM");

        var rule = Resources(claims, "AWS::Events::Rule").Single(r => r.Properties["EventPattern"]!.ToJsonString().Contains("Settlement.Finalized", StringComparison.Ordinal)).Properties;
        var target = rule["Targets"]!.AsArray().Single()!;
        target["Arn"]!.ToJsonString().Should().Contain(Id(claims, claims.FinalizedSettlements));
        target["DeadLetterConfig"]!["Arn"]!.ToJsonString().Should().Contain("FinalizedSettlementsDeadLetters");
        foreach (var (id, queue) in Resources(claims, "AWS::SQS::Queue"))
        {
            ((bool?)queue["SqsManagedSseEnabled"] == true || queue["KmsMasterKeyId"] != null).Should().BeTrue($"{id} is encrypted");
        }
    }

    [Fact]
    public void The_fraud_domain_publishes_what_the_settlement_rule_subscribes_to_on_the_claims_bus()
    {
        var claims = Synth.Value.App.Claims;
        var definition = Resources(claims, "AWS::StepFunctions::StateMachine").Single(m => m.Id.StartsWith("FraudScreening", StringComparison.Ordinal)).Properties;
        ((string?)definition["StateMachineType"]).Should().Be("EXPRESS");
        var asl = string.Concat(definition["DefinitionString"]!["Fn::Join"]![1]!.AsArray().Select(p => p is JsonValue v ? (string)v! : "<ref>"));
        asl.Should().Contain("\"DetailType\":\"Fraud.Not.Detected\"").And.Contain("\"DetailType\":\"Fraud.Detected\"").And.Contain("\"Source\":\"fraud.service\"");
        definition["DefinitionString"]!.ToJsonString().Should().Contain(Id(claims, claims.Bus));

        var subscription = Resources(claims, "AWS::Events::Rule").Single(r => r.Properties["EventPattern"]!.ToJsonString().Contains("Fraud.Not.Detected", StringComparison.Ordinal)).Properties;
        subscription["EventBusName"]!.ToJsonString().Should().Contain(Id(claims, claims.Bus));
        subscription["EventPattern"]!["source"]!.ToJsonString().Should().Be("[\"fraud.service\"]");
    }

    [Fact]
    public void Every_stack_passes_the_template_policy_our_users_get()
    {
        foreach (var stack in Synth.Value.App.Stacks)
        {
            var violations = Patterns.Cdk.Testing.TemplatePolicy.Violations(Template(stack), new Patterns.Cdk.Testing.TemplatePolicyOptions());
            violations.Should().BeEmpty(stack.StackName);
        }
    }

    [Fact]
    public void Every_alarm_of_every_stack_notifies_the_one_alarm_topic()
    {
        var sample = Synth.Value.App;
        var alarms = sample.Stacks.SelectMany(s => Resources(s, "AWS::CloudWatch::Alarm")).ToList();
        alarms.Should().HaveCountGreaterThan(30);
        alarms.Should().OnlyContain(a => a.Properties["AlarmActions"]!.ToJsonString().Contains("ImportValue", StringComparison.Ordinal)
            && a.Properties["AlarmActions"]!.ToJsonString().Contains("PatternsCdk-Alarms", StringComparison.Ordinal));
    }
}
