using System.Text.Json.Nodes;
using Amazon.CDK;
using FluentAssertions;
using Patterns.Cdk.MwaaScheduler;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>Each documented default of MwaaScheduler, asserted on the minimal template; and each IAM statement.</summary>
public class MwaaSchedulerDefaultsTests
{
    private static readonly Lazy<(Stack Stack, MwaaScheduler.MwaaScheduler Scheduler, JsonNode Template)> Minimal = new(() =>
    {
        var (stack, scheduler) = MwaaSynth.Scheduler();
        return (stack, scheduler, JsonNode.Parse(TestApp.Json(stack))!);
    });

    private static Stack Stack => Minimal.Value.Stack;

    [Fact]
    public void Both_workflows_are_standard_logged_untraced_and_time_boxed()
    {
        var machines = MwaaSynth.Resources(Stack, "AWS::StepFunctions::StateMachine");
        machines.Select(m => m.Id).Should().HaveCount(2);
        foreach (var (id, machine) in machines)
        {
            ((string?)machine["StateMachineType"]).Should().Be("STANDARD", id);
            ((string?)machine["LoggingConfiguration"]!["Level"]).Should().Be("ERROR");
            ((bool)machine["LoggingConfiguration"]!["IncludeExecutionData"]!).Should().BeFalse();
            machine["TracingConfiguration"]?["Enabled"]?.GetValue<bool>().Should().BeFalse();
        }

        // Timeout = ExportTimeout + 2 x EnvironmentTimeout + 15 min (pause); 2 x EnvironmentTimeout + ImportTimeout + 15 min (resume).
        ((double)MwaaSynth.Definition(Stack, "PauseWorkflow")["TimeoutSeconds"]!).Should().Be((60 + 180 + 15) * 60);
        ((double)MwaaSynth.Definition(Stack, "ResumeWorkflow")["TimeoutSeconds"]!).Should().Be((180 + 60 + 15) * 60);
        MwaaSynth.Resources(Stack, "AWS::Logs::LogGroup").Select(l => l.Id).Should().Contain(id => id.Contains("PauseWorkflowLogs"))
            .And.Contain(id => id.Contains("ResumeWorkflowLogs"));
    }

    [Fact]
    public void No_window_means_no_schedule_role_or_dead_letter_queue()
    {
        Minimal.Value.Scheduler.Schedules.Should().BeEmpty();
        Minimal.Value.Scheduler.ScheduleDeadLetterQueue.Should().BeNull();
        MwaaSynth.Resources(Stack, "AWS::Scheduler::Schedule").Should().BeEmpty();
        MwaaSynth.Resources(Stack, "AWS::SQS::Queue").Should().BeEmpty();
        MwaaSynth.Resources(Stack, "AWS::IAM::Role").Should().NotContain(r => r.Id.Contains("SchedulerRole"));
    }

    [Fact]
    public void Backup_bucket_is_versioned_kms_encrypted_private_retained_with_lifecycle()
    {
        var (id, bucket) = MwaaSynth.Resources(Stack, "AWS::S3::Bucket").Single();
        id.Should().Contain("BackupBucket");
        var template = Minimal.Value.Template["Resources"]!;
        ((string?)template[id]!["DeletionPolicy"]).Should().Be("Retain");
        ((string?)bucket["VersioningConfiguration"]!["Status"]).Should().Be("Enabled");
        var sse = bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!;
        ((string?)sse["SSEAlgorithm"]).Should().Be("aws:kms");
        sse["KMSMasterKeyID"]!.ToJsonString().Should().Contain("BackupKey");
        bucket["PublicAccessBlockConfiguration"]!.ToJsonString().Should().Be(
            """{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}""");
        SettlementSynth.Canon(bucket["LifecycleConfiguration"]).Should().Be(
            """{"Rules":[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"Id":"AbortIncompleteMultipartUploads","Status":"Enabled"},""" +
            """{"ExpiredObjectDeleteMarker":true,"Id":"ExpireNoncurrentVersions","NoncurrentVersionExpiration":{"NoncurrentDays":30},"Status":"Enabled"}]}""");
    }

    [Fact]
    public void Keys_rotate_and_the_backup_key_is_retained()
    {
        var keys = MwaaSynth.Resources(Stack, "AWS::KMS::Key");
        keys.Select(k => k.Id).Should().HaveCount(2).And.Contain(k => k.Contains("BackupKey")).And.Contain(k => k.Contains("NotificationKey"));
        keys.Should().OnlyContain(k => (bool)k.Properties["EnableKeyRotation"]!);
        var backupKeyId = keys.Single(k => k.Id.Contains("BackupKey")).Id;
        ((string?)Minimal.Value.Template["Resources"]![backupKeyId]!["DeletionPolicy"]).Should().Be("Retain");
    }

    [Fact]
    public void Key_policy_lets_the_execution_role_use_the_key_through_s3_only()
    {
        var key = MwaaSynth.Resources(Stack, "AWS::KMS::Key").Single(k => k.Id.Contains("BackupKey")).Properties;
        var statement = key["KeyPolicy"]!["Statement"]!.AsArray().Single(s => (string?)s!["Sid"] == "ExecutionRoleUsesTheKeyThroughS3")!;
        SettlementSynth.Canon(statement).Should().Be(
            """{"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}},"Effect":"Allow","Principal":""" +
            """{"AWS":"arn:aws:iam::123456789012:role/service-role/analytics-mwaa"},"Resource":"*","Sid":"ExecutionRoleUsesTheKeyThroughS3"}""");
    }

    [Fact]
    public void Bucket_policy_statements()
    {
        var all = MwaaSynth.Single(Stack, "AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!).ToList();
        var statements = all.Where(s => s["Sid"] is not null).ToDictionary(s => (string)s["Sid"]!, s => s);
        const string role = "arn:aws:iam::123456789012:role/service-role/analytics-mwaa";
        var readWrite = statements["ExecutionRoleReadsAndWritesBackups"];
        readWrite["Action"]!.ToJsonString().Should().Be("""["s3:GetObject","s3:PutObject"]""");
        ((string?)readWrite["Principal"]!["AWS"]).Should().Be(role);
        readWrite["Resource"]!.ToJsonString().Should().EndWith("\"/backups/analytics/*\"]]}");
        var list = statements["ExecutionRoleListsBackups"];
        ((string?)list["Action"]).Should().Be("s3:ListBucket");
        list["Condition"]!.ToJsonString().Should().Be("""{"StringLike":{"s3:prefix":"backups/analytics/*"}}""");
        var keyOnly = statements["DenyObjectsNotEncryptedWithTheBackupKey"];
        ((string?)keyOnly["Effect"]).Should().Be("Deny");
        ((string?)keyOnly["Action"]).Should().Be("s3:PutObject");
        keyOnly["Condition"]!.ToJsonString().Should().StartWith("{\"StringNotEqualsIfExists\":{\"s3:x-amz-server-side-encryption-aws-kms-key-id\":{\"Fn::GetAtt\":[\"SchedulerBackupKey");
        var secrets = statements["DenySecretsToAnyoneElse"];
        ((string?)secrets["Effect"]).Should().Be("Deny");
        ((string?)secrets["Action"]).Should().Be("s3:GetObject");
        secrets["Resource"]!.ToJsonString().Should().EndWith("\"/backups/*/secrets/*\"]]}");
        var principals = secrets["Condition"]!["ArnNotEquals"]!["aws:PrincipalArn"]!.AsArray();
        ((string?)principals[0]).Should().Be(role);
        principals[1]!.ToJsonString().Should().Contain("SchedulerBackupCatalogFunctionRole");
        all.Should().Contain(s => s["Condition"] != null && s["Condition"]!.ToJsonString().Contains("aws:SecureTransport"), "the bucket is TLS-only");
    }

    [Fact]
    public void Lock_table_is_on_demand_with_ttl_and_no_recovery()
    {
        var (id, table) = MwaaSynth.Resources(Stack, "AWS::DynamoDB::Table").Single();
        id.Should().Contain("LockTable");
        table["KeySchema"]!.ToJsonString().Should().Be("""[{"AttributeName":"pk","KeyType":"HASH"}]""");
        table["AttributeDefinitions"]!.ToJsonString().Should().Be("""[{"AttributeName":"pk","AttributeType":"S"}]""");
        ((string?)table["BillingMode"]).Should().Be("PAY_PER_REQUEST");
        table["TimeToLiveSpecification"]!.ToJsonString().Should().Be("""{"AttributeName":"ttl","Enabled":true}""");
        ((bool)table["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!).Should().BeFalse();
        ((string?)Minimal.Value.Template["Resources"]![id]!["DeletionPolicy"]).Should().Be("Delete");
    }

    [Fact]
    public void Notification_topic_is_encrypted_and_tls_only()
    {
        var topic = MwaaSynth.Single(Stack, "AWS::SNS::Topic");
        topic["KmsMasterKeyId"]!.ToJsonString().Should().Contain("NotificationKey");
        var statement = MwaaSynth.Single(Stack, "AWS::SNS::TopicPolicy")["PolicyDocument"]!["Statement"]!.AsArray().Single()!;
        ((string?)statement["Effect"]).Should().Be("Deny");
        statement["Condition"]!.ToJsonString().Should().Be("""{"Bool":{"aws:SecureTransport":"false"}}""");
    }

    [Fact]
    public void Dag_deployment_adds_to_the_dag_folder_and_never_prunes()
    {
        var deployment = MwaaSynth.Single(Stack, "Custom::CDKBucketDeployment");
        ((string?)deployment["DestinationBucketName"]).Should().Be("analytics-airflow");
        ((string?)deployment["DestinationBucketKeyPrefix"]).Should().Be("dags/patterns_cdk/");
        ((bool)deployment["Prune"]!).Should().BeFalse();
        ((bool)deployment["RetainOnDelete"]!).Should().BeTrue();
        var handler = MwaaSynth.Resources(Stack, "AWS::Lambda::Function").Single(f => f.Id.StartsWith("CustomCDKBucketDeployment", StringComparison.Ordinal)).Properties;
        ((string?)handler["Runtime"]).Should().Be("python3.12");
        ((double)handler["MemorySize"]!).Should().Be(256);
    }

    [Fact]
    public void Dag_files_are_extracted_once_into_a_folder_named_by_their_hash()
    {
        var files = DagDeployment.Files();
        var (path, sha) = DagDeployment.Extract();
        Path.GetFileName(path).Should().Be(sha).And.MatchRegex("^[0-9a-f]{64}$");
        Directory.GetFiles(path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(path, f).Replace('\\', '/'))
            .Should().BeEquivalentTo(files.Keys);
        foreach (var (relative, bytes) in files)
        {
            File.ReadAllBytes(Path.Combine(path, relative)).Should().Equal(bytes, relative);
        }

        DagDeployment.Extract().Should().Be((path, sha));
        var embedded = typeof(DagDeployment).Assembly.GetManifestResourceNames().Count(n => n.StartsWith(DagDeployment.ResourcePrefix, StringComparison.Ordinal));
        files.Should().HaveCount(embedded, "every embedded .py file is deployed");
    }

    [Fact]
    public void Functions_environment_and_sizes()
    {
        var functions = MwaaSynth.Resources(Stack, "AWS::Lambda::Function").Where(f => f.Id.StartsWith("Scheduler", StringComparison.Ordinal)).ToList();
        functions.Should().HaveCount(3).And.OnlyContain(f => (string?)f.Properties["Runtime"] == "provided.al2023"
            && f.Properties["Architectures"]!.ToJsonString() == "[\"arm64\"]");
        Function("DagRunsFunction")["Handler"]!.GetValue<string>().Should().Be("MwaaDagRuns");
        ((double)Function("DagRunsFunction")["Timeout"]!).Should().Be(30);
        ((double)Function("BackupCatalogFunction")["Timeout"]!).Should().Be(300);
        ((double)Function("BackupCatalogFunction")["MemorySize"]!).Should().Be(1024);
        ((double)Function("LockFunction")["Timeout"]!).Should().Be(10);
        ((string?)MwaaSynth.FunctionEnvironment(Stack, "DagRunsFunction")["ENVIRONMENT_NAME"]).Should().Be("analytics");
        var catalog = MwaaSynth.FunctionEnvironment(Stack, "BackupCatalogFunction");
        catalog.Select(v => v.Key).Should().BeEquivalentTo(
            ["BACKUP_BUCKET", "BACKUP_KEY_ARN", "ENVIRONMENT_NAME", "BACKUPS_TO_KEEP", "EXPORT_CONNECTIONS", "EXPORT_VARIABLES", "LOG_LEVEL"]);
        ((string?)catalog["BACKUPS_TO_KEEP"]).Should().Be("7");
        ((string?)catalog["EXPORT_CONNECTIONS"]).Should().Be("true");
        ((string?)catalog["EXPORT_VARIABLES"]).Should().Be("true");
        MwaaSynth.FunctionEnvironment(Stack, "LockFunction")["LOCK_TABLE"]!.ToJsonString().Should().Contain("SchedulerLockTable");

        JsonNode Function(string role) => functions.Single(f => f.Id.Contains(role, StringComparison.Ordinal)).Properties;
    }

    [Fact]
    public void DagRuns_may_only_invoke_the_rest_api_as_the_User_role_of_this_environment()
    {
        var statement = Statements("DagRunsFunctionRole").Single(s => s.Actions.Any(a => a.StartsWith("airflow:", StringComparison.Ordinal)));
        statement.Actions.Should().Equal(["airflow:InvokeRestApi"]);
        statement.Resources.Should().Equal(["arn:aws:airflow:eu-west-1:123456789012:role/analytics/User"]);
        Statements("DagRunsFunctionRole").Select(s => s.Actions).Should().HaveCount(2, "its log group and the REST API, nothing else");
    }

    [Fact]
    public void BackupCatalog_reaches_its_prefix_its_key_and_the_saved_object_versions_only()
    {
        var statements = Statements("BackupCatalogFunctionRole");
        var objects = statements.Single(s => s.Actions.Contains("s3:PutObject"));
        objects.Actions.Should().BeEquivalentTo(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
        objects.Resources.Should().ContainSingle().Which.Should().EndWith("/backups/analytics/*");
        var list = statements.Single(s => s.Actions.Contains("s3:ListBucket"));
        list.Json.Should().Contain("\"s3:prefix\":\"backups/analytics/*\"");
        var versions = statements.Single(s => s.Actions.Contains("s3:GetObjectVersion"));
        versions.Actions.Should().Equal(["s3:GetObjectVersion"]);
        versions.Resources.Should().Equal(["arn:aws:s3:::analytics-airflow/*"]);
        var kms = statements.Single(s => s.Actions.Any(a => a.StartsWith("kms:", StringComparison.Ordinal)));
        kms.Actions.Should().BeEquivalentTo(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]);
        kms.Resources.Should().ContainSingle().Which.Should().Contain("SchedulerBackupKey");
        statements.SelectMany(s => s.Resources).Should().NotContain("*");
    }

    [Fact]
    public void Lock_function_has_three_item_actions_on_the_lock_table()
    {
        var statement = Statements("LockFunctionRole").Single(s => s.Actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)));
        statement.Actions.Should().BeEquivalentTo(["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"]);
        statement.Resources.Should().ContainSingle().Which.Should().Contain("SchedulerLockTable");
    }

    [Fact]
    public void Pause_workflow_may_get_and_delete_this_environment_only_and_pass_no_role()
    {
        var statements = Statements("PauseWorkflowRole");
        var airflow = statements.Single(s => s.Actions.Any(a => a.StartsWith("airflow:", StringComparison.Ordinal)));
        airflow.Actions.Should().BeEquivalentTo(["airflow:DeleteEnvironment", "airflow:GetEnvironment"]);
        airflow.Resources.Should().Equal(["arn:aws:airflow:eu-west-1:123456789012:environment/analytics"]);
        statements.SelectMany(s => s.Actions).Should().NotContain(a => a.StartsWith("iam:", StringComparison.Ordinal) || a.StartsWith("ec2:", StringComparison.Ordinal));
        InvokesOnlyTheThreeFunctions(statements);
    }

    [Fact]
    public void Resume_workflow_statements_are_scoped_to_what_is_known()
    {
        var statements = Statements("ResumeWorkflowRole");
        var airflow = statements.Where(s => s.Actions.Any(a => a.StartsWith("airflow:", StringComparison.Ordinal))).ToList();
        airflow.SelectMany(s => s.Actions).Should().BeEquivalentTo(["airflow:CreateEnvironment", "airflow:GetEnvironment", "airflow:UpdateEnvironment", "airflow:TagResource"]);
        airflow.SelectMany(s => s.Resources).Should().OnlyContain(r => r == "arn:aws:airflow:eu-west-1:123456789012:environment/analytics");

        var passRole = statements.Single(s => s.Actions.Contains("iam:PassRole"));
        passRole.Resources.Should().Equal([MwaaSynth.ExecutionRoleArn]);
        passRole.Json.Should().Contain("\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"airflow.amazonaws.com\"}}");

        var slr = statements.Single(s => s.Actions.Contains("iam:CreateServiceLinkedRole"));
        slr.Resources.Should().Equal(["arn:aws:iam::123456789012:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"]);
        slr.Json.Should().Contain("\"iam:AWSServiceName\":\"airflow.amazonaws.com\"");

        statements.Single(s => s.Actions.Contains("s3:GetEncryptionConfiguration")).Resources.Should().Equal(["arn:aws:s3:::analytics-airflow"]);
        statements.Single(s => s.Actions.Contains("ec2:CreateVpcEndpoint")).Resources.Should().OnlyContain(r => r.StartsWith("arn:aws:ec2:eu-west-1:123456789012:", StringComparison.Ordinal));
        statements.Single(s => s.Actions.Contains("ec2:CreateNetworkInterface")).Resources.Should().BeEquivalentTo(
            ["arn:aws:ec2:eu-west-1:123456789012:subnet/*", "arn:aws:ec2:eu-west-1:123456789012:network-interface/*"]);
        var kms = statements.Single(s => s.Actions.Contains("kms:CreateGrant"));
        kms.Resources.Should().Equal(["arn:aws:kms:eu-west-1:123456789012:key/*"]);
        kms.Actions.Should().NotContain(a => a.Contains('*'));

        // "*" only where IAM has no resource-level permissions: log delivery and the ec2:Describe* calls.
        statements.Where(s => s.Resources.Contains("*")).SelectMany(s => s.Actions).Should().OnlyContain(a =>
            a.StartsWith("logs:", StringComparison.Ordinal) || a.StartsWith("ec2:Describe", StringComparison.Ordinal));
        statements.Single(s => s.Actions.Contains("sns:Publish")).Json.Should().Contain("SchedulerNotificationTopic");
        statements.Single(s => s.Actions.Contains("kms:GenerateDataKey") && !s.Actions.Contains("kms:CreateGrant")).Json.Should().Contain("SchedulerNotificationKey");
        InvokesOnlyTheThreeFunctions(statements);
    }

    [Fact]
    public void Alarms_watch_failed_executions_and_function_errors()
    {
        var alarms = MwaaSynth.Resources(Stack, "AWS::CloudWatch::Alarm");
        alarms.Select(a => a.Id).Should().HaveCount(5);
        alarms.Where(a => (string?)a.Properties["MetricName"] == "ExecutionsFailed").Should().HaveCount(2);
        alarms.Where(a => (string?)a.Properties["MetricName"] == "Errors").Should().HaveCount(3);
        alarms.Should().OnlyContain(a => (double)a.Properties["Threshold"]! == 1 && (double)a.Properties["Period"]! == 300
            && (string?)a.Properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold");
        Minimal.Value.Scheduler.Alarms.Should().HaveCount(5);
    }

    [Fact]
    public void Savings_output_and_public_properties()
    {
        var outputs = Minimal.Value.Template["Outputs"]!.AsObject();
        var output = outputs.Single(o => o.Key.StartsWith("SchedulerEstimatedMonthlySavings", StringComparison.Ordinal)).Value!;
        ((string?)output["Value"]).Should().Be(Minimal.Value.Scheduler.Savings.Summary);
        Minimal.Value.Scheduler.Savings.EnvironmentClass.Should().Be("mw1.small");
        var s = Minimal.Value.Scheduler;
        new object?[] { s.PauseStateMachine, s.ResumeStateMachine, s.BackupBucket, s.BackupKey, s.LockTable, s.NotificationTopic, s.DagRunsFunction,
            s.BackupCatalogFunction, s.LockFunction, s.DagDeployment }.Should().NotContainNulls();
        s.MetricScheduleDeadLetters().Should().BeNull();
        s.MetricPauseFailures().MetricName.Should().Be("ExecutionsFailed");
        s.MetricResumeFailures().MetricName.Should().Be("ExecutionsFailed");
    }

    [Fact]
    public void Construct_ids_are_stable()
    {
        Minimal.Value.Scheduler.Node.Children.Select(c => c.Node.Id).Should().Contain(
        [
            "BackupKey", "BackupBucket", "NotificationKey", "NotificationTopic", "LockTable", "DagDeployment", "DagRunsFunction", "BackupCatalogFunction",
            "LockFunction", "PauseWorkflow", "PauseWorkflowLogs", "ResumeWorkflow", "ResumeWorkflowLogs", "Alarms", "EstimatedMonthlySavings",
        ]);
    }

    [Fact]
    public void Grants_start_one_workflow_each()
    {
        var (stack, scheduler) = MwaaSynth.Scheduler();
        var operatorRole = new Amazon.CDK.AWS.IAM.Role(stack, "Operator", new Amazon.CDK.AWS.IAM.RoleProps { AssumedBy = new Amazon.CDK.AWS.IAM.AccountRootPrincipal() });
        scheduler.GrantStartPause(operatorRole);
        scheduler.GrantStartResume(operatorRole);
        var statements = PolicyStatements.Of(stack, "Operator");
        statements.Should().HaveCount(1);
        statements[0].Actions.Should().Equal(["states:StartExecution"]);
        statements[0].Json.Should().Contain("SchedulerPauseWorkflow").And.Contain("SchedulerResumeWorkflow");
    }

    private static List<PolicyStatement> Statements(string role) => PolicyStatements.Of(Stack, role);

    private static void InvokesOnlyTheThreeFunctions(List<PolicyStatement> statements)
    {
        var invoke = statements.Single(s => s.Actions.Contains("lambda:InvokeFunction"));
        invoke.Resources.Should().HaveCount(6).And.OnlyContain(r =>
            r.Contains("SchedulerDagRunsFunction") || r.Contains("SchedulerBackupCatalogFunction") || r.Contains("SchedulerLockFunction"));
    }
}
