using System.Text.Json.Nodes;
using Amazon.CDK.AWS.IAM;
using FluentAssertions;
using Patterns.Cdk.PrivateUploadApi;
using Xunit;
using static Patterns.Cdk.Tests.UploadSynth;

namespace Patterns.Cdk.Tests;

/// <summary>What minimal props give: each documented default of PrivateUploadApi, asserted on the synthesized template.</summary>
public class PrivateUploadApiDefaultsTests
{
    private static readonly Lazy<(Amazon.CDK.Stack Stack, PrivateUploadApi.PrivateUploadApi Uploads, JsonNode Template)> Default = new(() => Uploads());

    private static JsonNode T => Default.Value.Template;

    [Fact]
    public void The_api_is_private_and_its_resource_policy_allows_the_account_and_denies_every_source_but_the_endpoint()
    {
        var endpointId = IdOf(T, "AWS::EC2::VPCEndpoint", "UploadsApiEndpoint");
        var api = Single(T, "AWS::ApiGateway::RestApi");
        api["EndpointConfiguration"]!.ToJsonString().Should().Be($"{{\"Types\":[\"PRIVATE\"],\"VpcEndpointIds\":[{{\"Ref\":\"{endpointId}\"}}]}}");
        var statements = api["Policy"]!["Statement"]!.AsArray().Select(s => s!).ToList();
        statements.Should().HaveCount(2);

        var allow = statements.Single(s => (string)s["Effect"]! == "Allow");
        allow["Principal"]!.ToJsonString().Should().Be("{\"AWS\":\"arn:aws:iam::123456789012:root\"}", "the account delegates to IAM, never '*'");
        ((string)allow["Action"]!).Should().Be("execute-api:Invoke");
        ((string)allow["Resource"]!).Should().Be("execute-api:/*");
        allow["Condition"].Should().BeNull();

        var deny = statements.Single(s => (string)s["Effect"]! == "Deny");
        deny["Principal"]!.ToJsonString().Should().Be("{\"AWS\":\"*\"}");
        ((string)deny["Action"]!).Should().Be("execute-api:Invoke");
        ((string)deny["Resource"]!).Should().Be("execute-api:/*");
        deny["Condition"]!.ToJsonString().Should().Be($"{{\"StringNotEquals\":{{\"aws:SourceVpce\":{{\"Ref\":\"{endpointId}\"}}}}}}");
    }

    [Fact]
    public void Every_method_requires_IAM_authorization_and_the_six_routes_are_exactly_the_contracts()
    {
        var methods = Resources(T, "AWS::ApiGateway::Method");
        methods.Should().HaveCount(6);
        methods.Should().OnlyContain(m => (string)m.Properties["AuthorizationType"]! == "AWS_IAM");
        methods.Select(m => (string)m.Properties["HttpMethod"]!).Should().BeEquivalentTo(["POST", "GET", "DELETE", "POST", "POST", "PUT"]);
        Resources(T, "AWS::ApiGateway::Resource").Select(r => (string)r.Properties["PathPart"]!)
            .Should().BeEquivalentTo(["uploads", "{id}", "parts", "complete", "files", "{fileName}"]);
    }

    [Fact]
    public void Each_method_goes_to_its_function_through_a_lambda_proxy_integration()
    {
        string FunctionOf(string methodPrefix) =>
            Resources(T, "AWS::ApiGateway::Method").Single(m => m.Id.StartsWith(methodPrefix, StringComparison.Ordinal)).Properties["Integration"]!.ToJsonString();

        foreach (var (method, function) in new[]
                 {
                     ("UploadsApiuploadsPOST", "UploadsSessionsFunction"), ("UploadsApiuploadsidGET", "UploadsSessionsFunction"),
                     ("UploadsApiuploadsidDELETE", "UploadsSessionsFunction"), ("UploadsApiuploadsidpartsPOST", "UploadsSessionsFunction"),
                     ("UploadsApiuploadsidcompletePOST", "UploadsCompleterFunction"), ("UploadsApifilesfileNamePUT", "UploadsDirectUploadFunction"),
                 })
        {
            var integration = FunctionOf(method);
            integration.Should().Contain("\"Type\":\"AWS_PROXY\"").And.Contain(function, method);
        }
    }

    [Fact]
    public void A_request_validator_checks_bodies_and_path_parameters_and_the_two_bodies_have_draft4_models()
    {
        var validator = Resources(T, "AWS::ApiGateway::RequestValidator").Single();
        ((bool)validator.Properties["ValidateRequestBody"]!).Should().BeTrue();
        ((bool)validator.Properties["ValidateRequestParameters"]!).Should().BeTrue();
        Resources(T, "AWS::ApiGateway::Method").Should().OnlyContain(m => m.Properties["RequestValidatorId"]!.ToJsonString() == $"{{\"Ref\":\"{validator.Id}\"}}");

        var models = Resources(T, "AWS::ApiGateway::Model").ToDictionary(m => (string)m.Properties["Name"]!, m => m);
        models.Keys.Should().BeEquivalentTo(["StartUpload", "PartUrls"]);
        var start = models["StartUpload"].Properties["Schema"]!;
        ((string)start["$schema"]!).Should().Be("http://json-schema.org/draft-04/schema#");
        start["required"]!.AsArray().Select(r => (string)r!).Should().Equal("fileName", "contentType", "size");
        SameJson(start["properties"]!["fileName"], "{\"type\":\"string\",\"minLength\":1,\"maxLength\":255}");
        SameJson(start["properties"]!["size"], "{\"type\":\"integer\",\"minimum\":0}");
        SameJson(start["properties"]!["sha256"], "{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9+/]{43}=$\",\"minLength\":44,\"maxLength\":44}");
        SameJson(start["properties"]!["clientToken"], "{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-]{16,64}$\",\"minLength\":16,\"maxLength\":64}");
        var parts = models["PartUrls"].Properties["Schema"]!;
        ((string)parts["$schema"]!).Should().Be("http://json-schema.org/draft-04/schema#");
        SameJson(parts["properties"]!["partNumbers"], "{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000},\"minItems\":1,\"maxItems\":1000}");
        SameJson(parts["properties"]!["contentMd5"], "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9+/]{22}==$\",\"minLength\":24,\"maxLength\":24},\"minItems\":1,\"maxItems\":1000}");
        parts["required"]!.AsArray().Select(r => (string)r!).Should().Equal(["partNumbers"], "contentMd5 is optional: without it the URLs sign no Content-MD5");

        string ModelOf(string methodPrefix) =>
            Resources(T, "AWS::ApiGateway::Method").Single(m => m.Id.StartsWith(methodPrefix, StringComparison.Ordinal)).Properties["RequestModels"]?.ToJsonString() ?? "none";
        ModelOf("UploadsApiuploadsPOST").Should().Be($"{{\"application/json\":{{\"Ref\":\"{models["StartUpload"].Id}\"}}}}");
        ModelOf("UploadsApiuploadsidpartsPOST").Should().Be($"{{\"application/json\":{{\"Ref\":\"{models["PartUrls"].Id}\"}}}}");
        ModelOf("UploadsApifilesfileNamePUT").Should().Be("none", "a direct upload's body is the file itself");
        Resources(T, "AWS::ApiGateway::Method").Single(m => m.Id.StartsWith("UploadsApifilesfileNamePUT", StringComparison.Ordinal))
            .Properties["RequestParameters"]!.ToJsonString().Should().Be("{\"method.request.path.fileName\":true}");
    }

    [Fact]
    public void Api_gateways_own_refusals_answer_in_the_contracts_error_shape()
    {
        var responses = Resources(T, "AWS::ApiGateway::GatewayResponse").ToDictionary(r => (string)r.Properties["ResponseType"]!, r => r.Properties);
        responses["BAD_REQUEST_BODY"]["StatusCode"]!.ToString().Should().Be("400");
        ((string)responses["BAD_REQUEST_BODY"]["ResponseTemplates"]!["application/json"]!).Should()
            .Be("{\"error\":\"InvalidRequest\",\"message\":\"$context.error.validationErrorString\"}");
        ((string)responses["REQUEST_TOO_LARGE"]["ResponseTemplates"]!["application/json"]!).Should().Be("{\"error\":\"TooLarge\",\"message\":$context.error.messageString}");
        ((string)responses["ACCESS_DENIED"]["ResponseTemplates"]!["application/json"]!).Should().StartWith("{\"error\":\"Forbidden\"");
        ((string)responses["DEFAULT_5XX"]["ResponseTemplates"]!["application/json"]!).Should().StartWith("{\"error\":\"TryAgain\"");
        responses.Keys.Should().Contain(["BAD_REQUEST_PARAMETERS", "UNSUPPORTED_MEDIA_TYPE", "THROTTLED", "DEFAULT_4XX"]);
    }

    [Fact]
    public void Every_allowed_type_but_json_is_a_binary_media_type()
    {
        Single(T, "AWS::ApiGateway::RestApi")["BinaryMediaTypes"]!.AsArray().Select(t => (string)t!).Should().Equal(
            "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv", "application/zip");
    }

    [Fact]
    public void The_v1_stage_is_throttled_logs_errors_and_json_access_logs_without_tracing_and_no_cloudwatch_role_is_created()
    {
        var stage = Single(T, "AWS::ApiGateway::Stage");
        ((string)stage["StageName"]!).Should().Be("v1");
        ((bool)stage["TracingEnabled"]!).Should().BeFalse();
        var settings = stage["MethodSettings"]!.AsArray().Single()!;
        ((double)settings["ThrottlingRateLimit"]!).Should().Be(50);
        ((double)settings["ThrottlingBurstLimit"]!).Should().Be(100);
        ((string)settings["LoggingLevel"]!).Should().Be("ERROR");
        ((bool)settings["DataTraceEnabled"]!).Should().BeFalse();
        var logsId = IdOf(T, "AWS::Logs::LogGroup", "UploadsApiAccessLogs");
        stage["AccessLogSetting"]!["DestinationArn"]!.ToJsonString().Should().Contain(logsId);
        var format = JsonNode.Parse((string)stage["AccessLogSetting"]!["Format"]!)!;
        ((string)format["vpceId"]!).Should().Be("$context.identity.vpceId");
        ((string)format["userArn"]!).Should().Be("$context.identity.userArn");
        Resources(T, "AWS::ApiGateway::Account").Should().BeEmpty();
        Newtonsoft.Json.JsonConvert.SerializeObject(Default.Value.Stack.Resolve(Default.Value.Uploads.Url))
            .Should().Contain(IdOf(T, "AWS::ApiGateway::Stage", "UploadsApiDeploymentStagev1")).And.Contain(".execute-api.eu-west-1.");
    }

    [Fact]
    public void A_new_vpc_has_isolated_subnets_only_no_nat_an_s3_gateway_endpoint_and_an_execute_api_endpoint_with_private_dns()
    {
        Resources(T, "AWS::EC2::VPC").Should().ContainSingle();
        Resources(T, "AWS::EC2::NatGateway").Should().BeEmpty();
        Resources(T, "AWS::EC2::InternetGateway").Should().BeEmpty();
        var subnets = Resources(T, "AWS::EC2::Subnet");
        subnets.Should().HaveCount(2, "two AZs");
        subnets.Should().OnlyContain(s => s.Properties["MapPublicIpOnLaunch"] == null || !(bool)s.Properties["MapPublicIpOnLaunch"]!);
        Resources(T, "AWS::EC2::Route").Should().BeEmpty("isolated subnets have no route out");
        Resources(T, "AWS::EC2::FlowLog").Should().ContainSingle().Which.Properties["TrafficType"]!.ToString().Should().Be("REJECT");

        var endpoints = Resources(T, "AWS::EC2::VPCEndpoint");
        endpoints.Should().HaveCount(2);
        var gateway = endpoints.Single(e => e.Id.StartsWith("UploadsS3Endpoint", StringComparison.Ordinal)).Properties;
        ((string)gateway["VpcEndpointType"]!).Should().Be("Gateway");
        gateway["ServiceName"]!.ToJsonString().Should().Contain(".s3");
        gateway["RouteTableIds"]!.AsArray().Should().HaveCount(2);
        var api = endpoints.Single(e => e.Id.StartsWith("UploadsApiEndpoint", StringComparison.Ordinal)).Properties;
        ((string)api["VpcEndpointType"]!).Should().Be("Interface");
        ((string)api["ServiceName"]!).Should().Be("com.amazonaws.eu-west-1.execute-api");
        ((bool)api["PrivateDnsEnabled"]!).Should().BeTrue("the issue asks for private DNS by default");

        var sg = Resources(T, "AWS::EC2::SecurityGroup").Single(g => g.Id.StartsWith("UploadsApiEndpointSecurityGroup", StringComparison.Ordinal)).Properties;
        var ingress = sg["SecurityGroupIngress"]!.AsArray().Single()!;
        SameJson(ingress["FromPort"], "443");
        SameJson(ingress["ToPort"], "443");
        ingress["CidrIp"]!.ToJsonString().Should().Contain("CidrBlock", "only the VPC's own CIDR may reach the endpoint");
    }

    [Fact]
    public void The_bucket_is_private_encrypted_versioned_tls_only_without_cors_and_aborts_incomplete_uploads_after_a_day()
    {
        var bucket = Single(T, "AWS::S3::Bucket");
        ((string)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!).Should().Be("AES256");
        ((string)bucket["VersioningConfiguration"]!["Status"]!).Should().Be("Enabled");
        ((string)bucket["OwnershipControls"]!["Rules"]![0]!["ObjectOwnership"]!).Should().Be("BucketOwnerEnforced");
        SameJson(bucket["PublicAccessBlockConfiguration"], "{\"BlockPublicAcls\":true,\"BlockPublicPolicy\":true,\"IgnorePublicAcls\":true,\"RestrictPublicBuckets\":true}");
        bucket["CorsConfiguration"].Should().BeNull();
        var rules = bucket["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var abort = rules.Single(r => (string)r!["Id"]! == "AbortIncompleteMultipartUploads")!;
        SameJson(abort["AbortIncompleteMultipartUpload"], "{\"DaysAfterInitiation\":1}");
        ((string)abort["Status"]!).Should().Be("Enabled");
        rules.Should().Contain(r => (string)r!["Id"]! == "ExpireNoncurrentVersions");
        Single(T, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray()
            .Should().Contain(s => s!["Condition"]!.ToJsonString() == "{\"Bool\":{\"aws:SecureTransport\":\"false\"}}");
    }

    [Fact]
    public void The_bucket_policy_denies_presigned_writes_from_outside_the_vpc_and_other_writers_outside_it()
    {
        var vpcId = IdOf(T, "AWS::EC2::VPC", "UploadsVpc");
        var statements = Single(T, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!).ToList();
        var presigned = statements.Single(s => (string?)s["Sid"] == "DenyPresignedUploadsFromOutsideTheVpc");
        ((string)presigned["Effect"]!).Should().Be("Deny");
        presigned["Principal"]!.ToJsonString().Should().Be("{\"AWS\":\"*\"}");
        ((string)presigned["Action"]!).Should().Be("s3:PutObject");
        presigned["Resource"]!.ToJsonString().Should().Contain("/*");
        presigned["Condition"]!.ToJsonString().Should().Be($"{{\"StringNotEquals\":{{\"aws:SourceVpc\":{{\"Ref\":\"{vpcId}\"}},\"s3:authType\":\"REST-HEADER\"}}}}");

        var others = statements.Single(s => (string?)s["Sid"] == "DenyOtherWritersFromOutsideTheVpc");
        ((string)others["Effect"]!).Should().Be("Deny");
        ((string)others["Action"]!).Should().Be("s3:PutObject");
        others["Condition"]!["StringNotEquals"]!.ToJsonString().Should().Be($"{{\"aws:SourceVpc\":{{\"Ref\":\"{vpcId}\"}}}}");
        others["Condition"]!["ArnNotEquals"]!["aws:PrincipalArn"]!.AsArray().Select(a => a!["Fn::GetAtt"]![0]!.GetValue<string>())
            .Should().Equal(IdOf(T, "AWS::IAM::Role", "UploadsSessionsFunctionRole"), IdOf(T, "AWS::IAM::Role", "UploadsCompleterFunctionRole"),
                IdOf(T, "AWS::IAM::Role", "UploadsDirectUploadFunctionRole"));
    }

    [Fact]
    public void The_session_table_is_on_demand_with_pk_ttl_and_point_in_time_recovery_and_is_retained()
    {
        var table = Resources(T, "AWS::DynamoDB::Table").Single();
        SameJson(table.Properties["KeySchema"], "[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]");
        SameJson(table.Properties["AttributeDefinitions"], "[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}]");
        SameJson(table.Properties["TimeToLiveSpecification"], "{\"AttributeName\":\"ttl\",\"Enabled\":true}");
        ((string)table.Properties["BillingMode"]!).Should().Be("PAY_PER_REQUEST");
        ((bool)table.Properties["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!).Should().BeTrue();
        ((string)T["Resources"]![table.Id]!["DeletionPolicy"]!).Should().Be("Retain");
    }

    [Fact]
    public void The_three_functions_run_the_bundled_handlers_on_arm64_with_the_designed_memory_timeout_and_environment()
    {
        var functions = Resources(T, "AWS::Lambda::Function").Where(f => (string?)f.Properties["Runtime"] == "provided.al2023").ToList();
        functions.Should().HaveCount(3);
        foreach (var (id, handler, memory, timeout) in new[]
                 {
                     ("UploadsSessionsFunction", "UploadSessions", 256, 10), ("UploadsCompleterFunction", "UploadCompleter", 256, 29),
                     ("UploadsDirectUploadFunction", "DirectUpload", 512, 29),
                 })
        {
            var f = functions.Single(x => x.Id.StartsWith(id, StringComparison.Ordinal)).Properties;
            ((string)f["Handler"]!).Should().Be(handler);
            f["Architectures"]!.AsArray().Select(a => (string)a!).Should().Equal("arm64");
            ((double)f["MemorySize"]!).Should().Be(memory);
            ((double)f["Timeout"]!).Should().Be(timeout);
            f["VpcConfig"].Should().BeNull("the functions call S3, DynamoDB and EventBridge over their public endpoints, header-signed");
            var env = f["Environment"]!["Variables"]!;
            ((string)env["KEY_PREFIX"]!).Should().Be("uploads");
            ((string)env["ALLOWED_CONTENT_TYPES"]!).Should().Be("image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain,text/csv,application/json,application/zip");
            ((string)env["MAX_UPLOAD_BYTES"]!).Should().Be("5368709120");
            ((string)env["DIRECT_MAX_BYTES"]!).Should().Be("4194304");
            ((string)env["URL_EXPIRY_SECONDS"]!).Should().Be("900");
            ((string)env["SESSION_TTL_SECONDS"]!).Should().Be("87300", "one day plus one URL lifetime");
            ((string)env["EVENT_BUS_NAME"]!).Should().Be("default");
            ((string)env["LOG_LEVEL"]!).Should().Be("INFO");
            env["UPLOAD_BUCKET"]!.ToJsonString().Should().Contain(IdOf(T, "AWS::S3::Bucket", "UploadsBucket"));
            env["SESSION_TABLE"]!.ToJsonString().Should().Contain(IdOf(T, "AWS::DynamoDB::Table", "UploadsSessionTable"));
        }
    }

    [Fact]
    public void Each_function_holds_exactly_its_own_actions_object_actions_only_under_the_prefix_and_no_delete_anywhere()
    {
        var stack = Default.Value.Stack;
        var bucketId = IdOf(T, "AWS::S3::Bucket", "UploadsBucket");
        var tableId = IdOf(T, "AWS::DynamoDB::Table", "UploadsSessionTable");
        var expected = new Dictionary<string, string[]>
        {
            ["SessionsFunction"] = ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            ["CompleterFunction"] = ["s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject", "dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents"],
            ["DirectUploadFunction"] = ["s3:PutObject", "dynamodb:PutItem", "events:PutEvents"],
        };
        foreach (var (function, actions) in expected)
        {
            var statements = StatementsOf(stack, function).Where(s => !s.Actions.Any(a => a.StartsWith("logs:", StringComparison.Ordinal))).ToList();
            statements.SelectMany(s => s.Actions).Should().BeEquivalentTo(actions, function);
            statements.Should().OnlyContain(s => s.Effect == "Allow");
            foreach (var s in statements)
            {
                var resource = s.Resources.Single();
                if (s.Actions.All(a => a.StartsWith("s3:", StringComparison.Ordinal)))
                {
                    resource.Should().Be($"{{\"Fn::GetAtt\":[\"{bucketId}\",\"Arn\"]}}/uploads/*", $"{function}: object actions only under the prefix");
                }
                else if (s.Actions.All(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
                {
                    resource.Should().Be($"{{\"Fn::GetAtt\":[\"{tableId}\",\"Arn\"]}}");
                }
                else
                {
                    s.Actions.Should().Equal("events:PutEvents");
                    resource.Should().Be("arn:aws:events:eu-west-1:123456789012:event-bus/default", "PutEvents only on the bus");
                }
            }
        }

        var all = PolicyStatements.Of(stack, "Uploads");
        all.SelectMany(s => s.Actions).Should().NotContain(a => a.Contains("Delete", StringComparison.Ordinal) || a.EndsWith('*'));
        all.SelectMany(s => s.Resources).Should().NotContain("*");
    }

    [Fact]
    public void GrantUpload_gives_execute_api_invoke_on_exactly_the_six_route_arns_of_the_v1_stage()
    {
        var stack = TestApp.NewStack();
        var uploads = new PrivateUploadApi.PrivateUploadApi(stack, "Uploads");
        var caller = new Role(stack, "Uploader", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        uploads.GrantUpload(caller).Success.Should().BeTrue();
        var statement = PolicyStatements.Of(stack, "Uploader").Single();
        statement.Actions.Should().Equal("execute-api:Invoke");
        var apiId = IdOf(JsonNode.Parse(TestApp.Json(stack))!, "AWS::ApiGateway::RestApi", "UploadsApi");
        statement.Resources.Should().BeEquivalentTo(
            new[] { "POST/uploads", "POST/uploads/*/parts", "GET/uploads/*", "DELETE/uploads/*", "POST/uploads/*/complete", "PUT/files/*" }
                .Select(route => $"arn:aws:execute-api:eu-west-1:123456789012:{{\"Ref\":\"{apiId}\"}}/v1/{route}"));
    }

    [Fact]
    public void Alarms_cover_5xx_p99_latency_each_functions_errors_and_abandoned_uploads()
    {
        var alarms = Resources(T, "AWS::CloudWatch::Alarm").ToDictionary(a => a.Id[..a.Id.LastIndexOf("Alarm", StringComparison.Ordinal)], a => a.Properties);
        alarms.Keys.Should().BeEquivalentTo(["UploadsAlarmsServerErrors", "UploadsAlarmsSessionsErrors", "UploadsAlarmsCompleterErrors",
            "UploadsAlarmsDirectUploadErrors", "UploadsAlarmsAbandonedUploads", "UploadsAlarmsLatency"]);
        Default.Value.Uploads.Alarms.Should().HaveCount(6);

        var errors = alarms["UploadsAlarmsServerErrors"];
        ((string)errors["MetricName"]!).Should().Be("5XXError");
        ((string)errors["Namespace"]!).Should().Be("AWS/ApiGateway");
        ((string)errors["ComparisonOperator"]!).Should().Be("GreaterThanOrEqualToThreshold");
        ((double)errors["Threshold"]!).Should().Be(1);
        ((double)errors["Period"]!).Should().Be(300);

        var latency = alarms["UploadsAlarmsLatency"];
        ((string)latency["MetricName"]!).Should().Be("Latency");
        ((string)latency["ExtendedStatistic"]!).Should().Be("p99");
        ((string)latency["ComparisonOperator"]!).Should().Be("GreaterThanThreshold");
        ((double)latency["Threshold"]!).Should().Be(5000);
        ((double)latency["EvaluationPeriods"]!).Should().Be(3);
        ((double)latency["DatapointsToAlarm"]!).Should().Be(3);
        ((double)latency["Period"]!).Should().Be(300);

        var abandoned = alarms["UploadsAlarmsAbandonedUploads"];
        ((string)abandoned["MetricName"]!).Should().Be("TimeToLiveDeletedItemCount");
        ((string)abandoned["Namespace"]!).Should().Be("AWS/DynamoDB");
        ((string)abandoned["Statistic"]!).Should().Be("Sum");
        ((double)abandoned["Period"]!).Should().Be(3600);
        ((double)abandoned["Threshold"]!).Should().Be(10);
        abandoned["Dimensions"]!.ToJsonString().Should().Contain(IdOf(T, "AWS::DynamoDB::Table", "UploadsSessionTable"));

        ((string)alarms["UploadsAlarmsCompleterErrors"]["MetricName"]!).Should().Be("Errors");
        alarms["UploadsAlarmsCompleterErrors"]["Dimensions"]!.ToJsonString().Should().Contain(IdOf(T, "AWS::Lambda::Function", "UploadsCompleterFunction"));
        alarms.Values.Should().OnlyContain(a => a["AlarmActions"] == null, "no topic was given");
    }

    [Fact]
    public void The_metric_helpers_read_the_apis_and_the_tables_metrics()
    {
        var uploads = Default.Value.Uploads;
        uploads.MetricServerErrors().MetricName.Should().Be("5XXError");
        uploads.MetricServerErrors().Statistic.Should().Be("Sum");
        uploads.MetricLatency().MetricName.Should().Be("Latency");
        uploads.MetricLatency().Statistic.Should().Be("p99");
        uploads.MetricAbandonedUploads().MetricName.Should().Be("TimeToLiveDeletedItemCount");
        uploads.MetricAbandonedUploads().Namespace.Should().Be("AWS/DynamoDB");
        uploads.MetricAbandonedUploads(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Amazon.CDK.Duration.Days(1) }).Period.ToHours().Should().Be(24);
    }

    [Fact]
    public void The_public_properties_expose_what_was_made()
    {
        var uploads = Default.Value.Uploads;
        uploads.Vpc.Should().NotBeNull();
        uploads.ApiEndpoint.Should().NotBeNull();
        uploads.Bucket.Should().NotBeNull();
        uploads.SessionTable.Should().NotBeNull();
        uploads.EventBus.EventBusName.Should().Be("default");
        uploads.Api.Should().BeOfType<Amazon.CDK.AWS.APIGateway.RestApi>();
        new[] { uploads.SessionsFunction, uploads.CompleterFunction, uploads.DirectUploadFunction }.Should().OnlyHaveUniqueItems();
        uploads.KeyPrefix.Should().Be(PrivateUploadApi.PrivateUploadApi.DefaultKeyPrefix);
    }

    [Fact]
    public void Minimal_props_emit_no_warning() =>
        RecursionSafeS3ProcessorSwitchTests.Warnings(Default.Value.Stack).Should().NotContain(w => w.Contains("patterns-cdk:", StringComparison.Ordinal));

    /// <summary>Asserts JSON equality whatever the member order (whole numbers compared as integers).</summary>
    private static void SameJson(JsonNode? node, string expected) =>
        JsonNode.DeepEquals(JsonNode.Parse(SettlementSynth.Canon(node)), JsonNode.Parse(expected)).Should().BeTrue($"{SettlementSynth.Canon(node)} should equal {expected}");
}
