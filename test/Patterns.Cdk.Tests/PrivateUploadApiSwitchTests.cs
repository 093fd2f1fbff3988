using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using FluentAssertions;
using Patterns.Cdk.PrivateUploadApi;
using Xunit;
using static Patterns.Cdk.Tests.UploadSynth;

namespace Patterns.Cdk.Tests;

/// <summary>Each switch and each bring-your-own resource of PrivateUploadApi, asserted on the synthesized template.</summary>
public class PrivateUploadApiSwitchTests
{
    [Fact]
    public void Existing_vpc_endpoint_bucket_table_and_bus_are_used_and_nothing_of_their_kind_is_created()
    {
        var (stack, uploads, t) = Uploads(Existing);
        foreach (var type in new[] { "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint", "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::DynamoDB::Table", "AWS::Events::EventBus" })
        {
            Resources(t, type).Should().BeEmpty(type);
        }

        var api = Single(t, "AWS::ApiGateway::RestApi");
        api["EndpointConfiguration"]!.ToJsonString().Should().Be("{\"Types\":[\"PRIVATE\"],\"VpcEndpointIds\":[\"vpce-0123456789abcdef0\"]}");
        api["Policy"]!.ToJsonString().Should().Contain("{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-0123456789abcdef0\"}}");
        uploads.ApiEndpoint.VpcEndpointId.Should().Be("vpce-0123456789abcdef0");
        uploads.Vpc.VpcId.Should().Be("vpc-0123456789abcdef0");
        uploads.Bucket.BucketName.Should().Be("landing-zone-uploads");
        uploads.EventBus.EventBusName.Should().Be("uploads");

        var env = Resources(t, "AWS::Lambda::Function").First(f => f.Id.StartsWith("UploadsSessionsFunction", StringComparison.Ordinal)).Properties["Environment"]!["Variables"]!;
        ((string)env["UPLOAD_BUCKET"]!).Should().Be("landing-zone-uploads");
        ((string)env["SESSION_TABLE"]!).Should().Be("upload-sessions");
        ((string)env["EVENT_BUS_NAME"]!).Should().Be("uploads");
        var completer = StatementsOf(stack, "CompleterFunction");
        completer.Should().Contain(s => s.Actions.SequenceEqual(new[] { "events:PutEvents" }) && s.Resources.Single() == "arn:aws:events:eu-west-1:123456789012:event-bus/uploads");
        completer.Should().Contain(s => s.Resources.Single() == "arn:aws:s3:::landing-zone-uploads/uploads/*");
        completer.Should().Contain(s => s.Actions.Contains("dynamodb:UpdateItem") && s.Resources.Single().EndsWith(":table/upload-sessions", StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_vpc_gets_the_endpoint_but_no_s3_gateway_endpoint_and_the_bucket_policy_pins_that_vpc()
    {
        var (_, _, t) = Uploads(s => new() { ExistingVpc = Network(s) });
        Resources(t, "AWS::EC2::VPC").Should().BeEmpty();
        var endpoint = Resources(t, "AWS::EC2::VPCEndpoint").Single();
        endpoint.Id.Should().StartWith("UploadsApiEndpoint");
        ((string)endpoint.Properties["VpcId"]!).Should().Be("vpc-0123456789abcdef0");
        endpoint.Properties["SubnetIds"]!.AsArray().Select(x => (string)x!).Should().Equal("subnet-0123456789abcdef0", "subnet-0123456789abcdef1");
        var sg = Single(t, "AWS::EC2::SecurityGroup");
        ((string)sg["SecurityGroupIngress"]![0]!["CidrIp"]!).Should().Be("10.20.0.0/16");
        Single(t, "AWS::S3::BucketPolicy")["PolicyDocument"]!.ToJsonString().Should().Contain("\"aws:SourceVpc\":\"vpc-0123456789abcdef0\"");
    }

    [Fact]
    public void An_existing_bucket_defined_in_the_app_gets_both_deny_statements()
    {
        var (_, _, t) = Uploads(s => new() { ExistingBucket = new Bucket(s, "Landing", new BucketProps { EnforceSSL = true }) });
        var sids = Single(t, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray().Select(x => (string?)x!["Sid"]).ToList();
        sids.Should().Contain(["DenyPresignedUploadsFromOutsideTheVpc", "DenyOtherWritersFromOutsideTheVpc"]);
    }

    [Fact]
    public void OutsideVpcWriters_are_exempted_next_to_the_functions()
    {
        var (_, _, t) = Uploads(s => new()
        {
            OutsideVpcWriters = [Role.FromRoleArn(s, "Thumbs", "arn:aws:iam::123456789012:role/thumbnail-processor"), new Role(s, "Scanner", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") })],
        });
        var statement = Single(t, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray().Single(x => (string?)x!["Sid"] == "DenyOtherWritersFromOutsideTheVpc")!;
        var exempt = statement["Condition"]!["ArnNotEquals"]!["aws:PrincipalArn"]!.AsArray();
        exempt.Should().HaveCount(5);
        exempt.Select(e => e!.ToJsonString()).Should().Contain("\"arn:aws:iam::123456789012:role/thumbnail-processor\"");
        exempt.Select(e => e!.ToJsonString()).Should().Contain($"{{\"Fn::GetAtt\":[\"{IdOf(t, "AWS::IAM::Role", "Scanner")}\",\"Arn\"]}}");
    }

    [Fact]
    public void Without_the_vpc_restriction_the_bucket_policy_only_enforces_tls()
    {
        var (_, _, t) = Uploads(new PrivateUploadApiProps { RestrictBucketToVpc = false });
        var statements = Single(t, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray();
        statements.Should().NotContain(x => x!["Sid"] != null);
        statements.Should().OnlyContain(x => x!["Condition"]!.ToJsonString().Contains("aws:SecureTransport", StringComparison.Ordinal)
                                             || x["Condition"]!.ToJsonString().Contains("s3:TlsVersion", StringComparison.Ordinal));
    }

    [Fact]
    public void Private_dns_can_be_turned_off_on_the_created_endpoint()
    {
        var (_, _, t) = Uploads(new PrivateUploadApiProps { ApiEndpointPrivateDns = false });
        ((bool)Resources(t, "AWS::EC2::VPCEndpoint").Single(e => e.Id.StartsWith("UploadsApiEndpoint", StringComparison.Ordinal)).Properties["PrivateDnsEnabled"]!).Should().BeFalse();
    }

    [Fact]
    public void A_bucket_key_makes_the_bucket_sse_kms_and_grants_each_function_only_what_s3_asks_of_kms()
    {
        var (stack, _, t) = Uploads(s => new() { BucketEncryptionKey = new Key(s, "UploadKey") });
        var encryption = Single(t, "AWS::S3::Bucket")["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!;
        ((string)encryption["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!).Should().Be("aws:kms");
        ((bool)encryption["BucketKeyEnabled"]!).Should().BeTrue();
        string[] Kms(string function) => StatementsOf(stack, function).SelectMany(s => s.Actions).Where(a => a.StartsWith("kms:", StringComparison.Ordinal)).Order().ToArray();
        Kms("SessionsFunction").Should().Equal("kms:Decrypt", "kms:GenerateDataKey");
        Kms("CompleterFunction").Should().Equal("kms:Decrypt", "kms:GenerateDataKey");
        Kms("DirectUploadFunction").Should().Equal("kms:GenerateDataKey");
        StatementsOf(stack, "SessionsFunction").Where(s => s.Actions.Contains("kms:Decrypt")).Should().OnlyContain(s => s.Resources.Single().Contains("UploadKey", StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_tables_key_is_granted_to_every_function()
    {
        var (stack, _, _) = Uploads(s => new()
        {
            ExistingSessionTable = Table.FromTableAttributes(s, "Sessions", new TableAttributes
            {
                TableArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/upload-sessions",
                EncryptionKey = Key.FromKeyArn(s, "TableKey", "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000000"),
            }),
        });
        foreach (var function in new[] { "SessionsFunction", "CompleterFunction", "DirectUploadFunction" })
        {
            StatementsOf(stack, function).Should().Contain(s => s.Actions.Contains("kms:GenerateDataKey") && s.Resources.Single().EndsWith("0a1b2c3d-0000-4000-8000-000000000000", StringComparison.Ordinal), function);
        }
    }

    [Fact]
    public void The_semantics_reach_the_functions_the_lifecycle_rule_and_the_api()
    {
        var (stack, uploads, t) = Uploads(AllOptions);
        var env = Resources(t, "AWS::Lambda::Function").First(f => f.Id.StartsWith("UploadsDirectUploadFunction", StringComparison.Ordinal)).Properties["Environment"]!["Variables"]!;
        ((string)env["KEY_PREFIX"]!).Should().Be("incoming");
        ((string)env["ALLOWED_CONTENT_TYPES"]!).Should().Be("image/png,application/json,video/mp4");
        ((string)env["MAX_UPLOAD_BYTES"]!).Should().Be("107374182400");
        ((string)env["DIRECT_MAX_BYTES"]!).Should().Be("1048576");
        ((string)env["URL_EXPIRY_SECONDS"]!).Should().Be("1800");
        ((string)env["SESSION_TTL_SECONDS"]!).Should().Be((3 * 86400 + 1800).ToString(System.Globalization.CultureInfo.InvariantCulture));
        ((string)env["LOG_LEVEL"]!).Should().Be("DEBUG");
        Single(t, "AWS::ApiGateway::RestApi")["BinaryMediaTypes"]!.AsArray().Select(x => (string)x!).Should().Equal("image/png", "video/mp4");
        var rules = Single(t, "AWS::S3::Bucket")["LifecycleConfiguration"]!["Rules"]!.AsArray();
        rules.Select(r => (string)r!["Id"]!).Should().Equal("AbortIncompleteMultipartUploads", "ExpireNoncurrentVersions", "ArchiveAfterAQuarter");
        ((double)rules[0]!["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!).Should().Be(3);
        var settings = Single(t, "AWS::ApiGateway::Stage")["MethodSettings"]![0]!;
        ((double)settings["ThrottlingRateLimit"]!).Should().Be(20);
        ((double)settings["ThrottlingBurstLimit"]!).Should().Be(40);
        StatementsOf(stack, "SessionsFunction").Where(s => s.Actions.Contains("s3:PutObject")).Should().OnlyContain(s => s.Resources.Single().EndsWith("/incoming/*", StringComparison.Ordinal));
        uploads.KeyPrefix.Should().Be("incoming");
    }

    [Fact]
    public void An_alarm_topic_is_notified_on_alarm_and_ok_by_every_alarm()
    {
        var (_, _, t) = Uploads(AllOptions);
        var alarms = Resources(t, "AWS::CloudWatch::Alarm");
        alarms.Should().HaveCount(6);
        var topic = IdOf(t, "AWS::SNS::Topic", "AlarmTopic");
        alarms.Should().OnlyContain(a => a.Properties["AlarmActions"]!.ToJsonString() == $"[{{\"Ref\":\"{topic}\"}}]"
                                         && a.Properties["OKActions"]!.ToJsonString() == $"[{{\"Ref\":\"{topic}\"}}]");
    }

    [Fact]
    public void CreateAlarms_false_creates_none()
    {
        var (_, uploads, t) = Uploads(new PrivateUploadApiProps { CreateAlarms = false });
        Resources(t, "AWS::CloudWatch::Alarm").Should().BeEmpty();
        uploads.Alarms.Should().BeEmpty();
    }

    [Fact]
    public void Tuning_props_keeps_the_logical_ids_of_the_core_resources()
    {
        static HashSet<string> Ids(JsonNode t) => t["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] is "AWS::EC2::VPC" or "AWS::EC2::VPCEndpoint" or "AWS::S3::Bucket" or "AWS::DynamoDB::Table"
                or "AWS::Lambda::Function" or "AWS::IAM::Role" or "AWS::ApiGateway::RestApi" or "AWS::ApiGateway::Stage" or "AWS::Logs::LogGroup"
                or "AWS::CloudWatch::Alarm")
            .Select(r => r.Key).ToHashSet();

        var minimal = Ids(Uploads().Template);
        var tuned = Ids(Uploads(new PrivateUploadApiProps
        {
            KeyPrefix = "incoming", ThrottlingRateLimit = 10, ThrottlingBurstLimit = 20, LogLevel = "WARN", ApiEndpointPrivateDns = false,
            AllowedContentTypes = ["image/png"], MaxUploadBytes = 1e9, DirectUploadMaxBytes = 1e6, UrlExpiry = Duration.Minutes(5),
            AbortIncompleteUploadsAfter = Duration.Days(7), RestrictBucketToVpc = false,
        }).Template);
        tuned.Should().BeEquivalentTo(minimal);
        minimal.Should().Contain(id => id.StartsWith("UploadsVpc", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsApiEndpoint", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsS3Endpoint", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsBucket", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsSessionTable", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsSessionsFunction", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsCompleterFunction", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsDirectUploadFunction", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsApiAccessLogs", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("UploadsAlarms", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_upload_apis_in_one_stack_do_not_collide()
    {
        var stack = TestApp.NewStack();
        _ = new PrivateUploadApi.PrivateUploadApi(stack, "Invoices");
        _ = new PrivateUploadApi.PrivateUploadApi(stack, "Photos");
        var t = JsonNode.Parse(TestApp.Json(stack))!;
        Resources(t, "AWS::ApiGateway::RestApi").Select(r => (string)r.Properties["Name"]!).Should().OnlyHaveUniqueItems().And.HaveCount(2);
    }
}
