using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>A GetEnvironment description as Step Functions' aws-sdk:mwaa integration returns it (PascalCase), and helpers.</summary>
internal static class MwaaSamples
{
    public const string Environment = "analytics-prod";
    public const string Bucket = "backups-bucket";
    public const string KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    public const string DagBucket = "dag-bucket";
    public const string BackupId = "20261205T200000Z";
    public const string Prefix = "backups/analytics-prod/20261205T200000Z/";

    /// <summary>Every member GetEnvironment returns, output-only ones included, and an aws: tag from CloudFormation.</summary>
    public static JsonObject Description(string airflowVersion = "2.10.3") => new()
    {
        ["Name"] = Environment,
        ["Arn"] = "arn:aws:airflow:eu-west-1:111122223333:environment/analytics-prod",
        ["Status"] = "AVAILABLE",
        ["CreatedAt"] = "2026-01-02T03:04:05Z",
        ["WebserverUrl"] = "abc123.c10.eu-west-1.airflow.amazonaws.com",
        ["ExecutionRoleArn"] = "arn:aws:iam::111122223333:role/mwaa-exec",
        ["ServiceRoleArn"] = "arn:aws:iam::111122223333:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA",
        ["KmsKey"] = "arn:aws:kms:eu-west-1:111122223333:key/env-key",
        ["AirflowVersion"] = airflowVersion,
        ["SourceBucketArn"] = "arn:aws:s3:::" + DagBucket,
        ["DagS3Path"] = "dags",
        ["PluginsS3Path"] = "plugins.zip",
        ["PluginsS3ObjectVersion"] = "plugins-v3",
        ["RequirementsS3Path"] = "requirements.txt",
        ["RequirementsS3ObjectVersion"] = "req-v7",
        ["AirflowConfigurationOptions"] = new JsonObject { ["core.default_timezone"] = "utc", ["secrets.backend_kwargs"] = "{\"token\":\"s3cr3t-value\"}" },
        ["EnvironmentClass"] = "mw1.small",
        ["MaxWorkers"] = 10,
        ["MinWorkers"] = 1,
        ["MaxWebservers"] = 2,
        ["MinWebservers"] = 2,
        ["Schedulers"] = 2,
        ["NetworkConfiguration"] = new JsonObject
        {
            ["SubnetIds"] = new JsonArray("subnet-1", "subnet-2"),
            ["SecurityGroupIds"] = new JsonArray("sg-1"),
        },
        ["LoggingConfiguration"] = new JsonObject
        {
            ["DagProcessingLogs"] = Module(true, "WARNING"),
            ["SchedulerLogs"] = Module(true, "INFO"),
            ["WebserverLogs"] = Module(false, "ERROR"),
            ["WorkerLogs"] = Module(true, "WARNING"),
            ["TaskLogs"] = Module(true, "INFO"),
        },
        ["LastUpdate"] = new JsonObject { ["Status"] = "SUCCESS", ["CreatedAt"] = "2026-01-02T03:04:05Z", ["Source"] = "SERVICE" },
        ["WeeklyMaintenanceWindowStart"] = "SUN:03:30",
        ["Tags"] = new JsonObject
        {
            ["team"] = "data",
            ["aws:cloudformation:stack-name"] = "mwaa-stack",
            ["AWS:CloudFormation:logical-id"] = "Env",
            ["Aws:other"] = "x",
            ["cost-center"] = "42",
        },
        ["WebserverAccessMode"] = "PRIVATE_ONLY",
        ["WebserverVpcEndpointService"] = "com.amazonaws.vpce.eu-west-1.vpce-svc-web",
        ["DatabaseVpcEndpointService"] = "com.amazonaws.vpce.eu-west-1.vpce-svc-db",
        ["CeleryExecutorQueue"] = "arn:aws:sqs:eu-west-1:111122223333:airflow-celery-abc",
        ["EndpointManagement"] = "SERVICE",
    };

    public static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();

    private static JsonObject Module(bool enabled, string level) => new()
    {
        ["CloudWatchLogGroupArn"] = "arn:aws:logs:eu-west-1:111122223333:log-group:airflow-analytics-prod-" + level,
        ["Enabled"] = enabled,
        ["LogLevel"] = level,
    };
}
