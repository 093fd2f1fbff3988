using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.MwaaScheduler;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>One case per validation rule of MwaaSchedulerProps, with the exact message; and one per warning id.</summary>
public class MwaaSchedulerValidationTests
{
    private static IBucket Dags(Stack s) => Bucket.FromBucketName(s, "Dags", MwaaSynth.DagBucketName);

    /// <summary>The minimal props plus <paramref name="set"/> (property name, value) pairs.</summary>
    private static Func<Stack, MwaaSchedulerProps> P(params (string Property, Func<Stack, object?> Value)[] set) => s =>
    {
        var props = MwaaSynth.Minimal(s);
        foreach (var (property, value) in set)
        {
            typeof(MwaaSchedulerProps).GetProperty(property)!.SetValue(props, value(s));
        }

        return props;
    };

    private static (string, Func<Stack, object?>) Set(string property, object? value) => (property, _ => value);

    private static (string, Func<Stack, object?>) Set(string property, Func<Stack, object?> value) => (property, value);

    private static PauseWindow Window(string name, string pause, string resume) => new() { Name = name, Pause = pause, Resume = resume };

    public static TheoryData<string, Func<Stack, MwaaSchedulerProps>, string> Rules() => new()
    {
        // Bring-your-own resources and overrides.
        { "bucket twice", P(Set("ExistingBackupBucket", s => Bucket.FromBucketName(s, "B", "backups")), Set("BackupBucketProps", new BucketProps()),
                Set("BackupBucketEncryptionKey", s => new Key(s, "K"))),
            "ExistingBackupBucket, BackupBucketProps: both were given, but they are alternatives (got both); pass ExistingBackupBucket to use your bucket, or BackupBucketProps to tune the one the construct creates, not both" },
        { "existing bucket without key", P(Set("ExistingBackupBucket", s => Bucket.FromBucketName(s, "B", "backups"))),
            "BackupBucketEncryptionKey: is required with ExistingBackupBucket: backups are written with SSE-KMS under the bucket's key, and the workflow and the execution role are granted that key (got nothing); pass the bucket's customer-managed key as BackupBucketEncryptionKey" },
        { "key twice", P(Set("BackupBucketProps", s => new BucketProps { EncryptionKey = new Key(s, "K1") }), Set("BackupBucketEncryptionKey", s => new Key(s, "K2"))),
            "BackupBucketProps.EncryptionKey, BackupBucketEncryptionKey: both were given, but they are alternatives (got both); pass the key once, as BackupBucketEncryptionKey" },
        { "bucket encryption", P(Set("BackupBucketProps", new BucketProps { Encryption = BucketEncryption.S3_MANAGED })),
            "BackupBucketProps.Encryption: is fixed: backups hold connection and variable secrets and are encrypted with a customer-managed KMS key (got S3_MANAGED); remove it" },
        { "bucket props number", P(Set("BackupBucketProps", new BucketProps { TransferAcceleration = null, MinimumTLSVersion = double.NaN })),
            "BackupBucketProps.MinimumTLSVersion: must be a finite number (got NaN); give a number, or leave it out for the default" },
        { "topic key with an existing topic", P(Set("ExistingNotificationTopic", s => Topic.FromTopicArn(s, "T", "arn:aws:sns:eu-west-1:123456789012:ops")),
                Set("NotificationTopicEncryptionKey", s => new Key(s, "K"))),
            "NotificationTopicEncryptionKey: encrypts the topic the construct creates, but ExistingNotificationTopic was given (got \"a key\"); remove NotificationTopicEncryptionKey, or remove ExistingNotificationTopic" },
        { "alarm topic unused", P(Set("CreateAlarms", false), Set("AlarmTopic", s => new Topic(s, "T"))),
            "AlarmTopic: was given but CreateAlarms is false, so nothing would notify it (got \"a topic\"); remove AlarmTopic or set CreateAlarms to true" },

        // Tuning.
        { "log level", P(Set("LogLevel", "LOUD")), "LogLevel: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got \"LOUD\"); the default is INFO" },
        { "poll too short", P(Set("PollInterval", Duration.Seconds(10))), "PollInterval: must be between 30 seconds and 10 minutes (got 10 seconds); the default is 1 minute" },
        { "poll too long", P(Set("PollInterval", Duration.Minutes(11))), "PollInterval: must be between 30 seconds and 10 minutes (got 11 minutes); the default is 1 minute" },
        { "poll fractional", P(Set("PollInterval", Duration.Millis(45500))),
            "PollInterval: must be a whole number of seconds (a Wait state takes whole seconds) (got 45 seconds 500 millis); round it, e.g. Duration.Seconds(90)" },
        { "export shorter than a poll", P(Set("PollInterval", Duration.Minutes(5)), Set("ExportTimeout", Duration.Minutes(2))),
            "ExportTimeout: must be between PollInterval and 12 hours (got 2 minutes); the default is 60 minutes" },
        { "import too long", P(Set("ImportTimeout", Duration.Hours(13))), "ImportTimeout: must be between PollInterval and 12 hours (got 13 hours); the default is 60 minutes" },
        { "environment timeout", P(Set("EnvironmentTimeout", Duration.Minutes(20))),
            "EnvironmentTimeout: must be between 30 minutes and 12 hours (creating or deleting an environment takes 20 to 30 minutes) (got 20 minutes); the default is 90 minutes" },

        // Semantics.
        { "environment name", P(Set("EnvironmentName", "1-analytics")),
            "EnvironmentName: must be an MWAA environment name: a letter, then up to 79 letters, digits, '-' or '_' (got \"1-analytics\"); give the name of the existing environment" },
        { "environment name too long", P(Set("EnvironmentName", "a" + new string('b', 80))),
            $"EnvironmentName: must be an MWAA environment name: a letter, then up to 79 letters, digits, '-' or '_' (got \"a{new string('b', 80)}\"); give the name of the existing environment" },
        { "execution role", P(Set("ExecutionRoleArn", "arn:aws:iam::123456789012:user/analytics")),
            "ExecutionRoleArn: must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path and name>) (got \"arn:aws:iam::123456789012:user/analytics\"); give the environment's execution role ARN, e.g. arn:aws:iam::123456789012:role/service-role/my-mwaa-role" },
        { "dag bucket", P(Set("DagBucket", (object?)null)),
            "DagBucket: is required: the bundled export and import DAGs are uploaded to it (got nothing); pass the environment's source bucket, e.g. Bucket.FromBucketName(this, \"Dags\", \"my-airflow-bucket\")" },
        { "dag folder", P(Set("DagFolder", "/dags/")),
            "DagFolder: must be a key prefix without a leading or trailing '/' (the environment's DagS3Path) (got \"/dags/\"); e.g. \"dags\"; the default is dags" },
        { "dag folder empty", P(Set("DagFolder", "")),
            "DagFolder: must be a key prefix without a leading or trailing '/' (the environment's DagS3Path) (got \"\"); e.g. \"dags\"; the default is dags" },
        { "backups to keep", P(Set("BackupsToKeep", 0d)), "BackupsToKeep: must be between 1 and 100 (got 0); the default is 7" },
        { "backups to keep whole", P(Set("BackupsToKeep", 2.5)), "BackupsToKeep: must be a whole number (got 2.5); round it, e.g. 2" },
        { "environment class", P(Set("EnvironmentClass", "large")), "EnvironmentClass: must be an MWAA environment class (got \"large\"); e.g. \"mw1.medium\"; the default is mw1.small" },
        { "hourly price", P(Set("HourlyPrice", -1d)),
            "HourlyPrice: must be a positive number of USD per hour (got -1); give the environment's hourly price, or leave it out for the list price of EnvironmentClass" },
        { "unknown price", P(Set("EnvironmentClass", "mw1.xlarge")),
            "HourlyPrice: is required: the price table (seen 2026-12-04) has no price for the environment class (got \"mw1.xlarge\"); give the environment's hourly price in USD (its list price in your region)" },
        { "null window", P(Set("Windows", new PauseWindow[] { null! })), "Windows[0]: is null (got nothing); remove it or give a PauseWindow" },
        { "window name", P(Set("Windows", new[] { Window("Nights", "cron(0 20 * * ? *)", "cron(0 7 * * ? *)") })),
            "Windows[0].Name: must be 1 to 31 lower-case letters, digits or '-', starting with a letter or digit (it names the schedules) (got \"Nights\"); e.g. \"nights\"" },
        { "window expression", P(Set("Windows", new[] { Window("nights", "cron(0 20 * * *)", "cron(0 7 * * ? *)") })),
            $"Windows[0].Pause: is not a schedule expression EventBridge Scheduler accepts: {ScheduleExpressions.Problem("cron(0 20 * * *)")} (got \"cron(0 20 * * *)\"); e.g. \"cron(0 20 ? * MON-FRI *)\"" },
        { "window at", P(Set("Windows", new[] { Window("once", "cron(0 20 * * ? *)", "at(2027-01-04T07:00:00)") })),
            "Windows[0].Resume: is a one-time at(...) schedule, but a window recurs (got \"at(2027-01-04T07:00:00)\"); use cron(...) or rate(...); pause once by starting PauseStateMachine" },
        { "duplicate windows", P(Set("Windows", new[] { Window("nights", "cron(0 20 * * ? *)", "cron(0 7 * * ? *)"), Window("nights", "cron(0 21 * * ? *)", "cron(0 6 * * ? *)") })),
            "Windows: has two windows with the same name, which would name the same schedules (got \"nights\"); give each window its own name" },
        { "time zone", P(Set("TimeZone", "Mars/Olympus")),
            $"TimeZone: {ScheduleExpressions.TimeZoneProblem("Mars/Olympus")} (got \"Mars/Olympus\"); use an IANA id such as \"Europe/Paris\"; the default is UTC" },
        { "coinciding pause and resume", P(Set("Windows", new[] { Window("nights", "cron(0 20 ? * MON *)", "cron(0 7 ? * TUE *)"), Window("mornings", "cron(0 7 ? * TUE *)", "cron(0 9 ? * TUE *)") })),
            "Windows: has a pause and a resume that fire at the same minute, so which one runs first is undefined (got \"Windows[1].Pause and Windows[0].Resume both fire at 2027-01-05 07:00 UTC\"); move one of the two expressions by at least a minute" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_has_its_message(string rule, Func<Stack, MwaaSchedulerProps> props, string message)
    {
        var act = () =>
        {
            var stack = TestApp.NewStack();
            _ = new MwaaScheduler.MwaaScheduler(stack, "Scheduler", props(stack));
        };
        act.Should().Throw<ArgumentException>(rule).Which.Message.Split(System.Environment.NewLine).Should().Contain(" - " + message, rule);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var act = () =>
        {
            var stack = TestApp.NewStack();
            _ = new MwaaScheduler.MwaaScheduler(stack, "Scheduler", new MwaaSchedulerProps
            {
                EnvironmentName = "",
                ExecutionRoleArn = "role",
                DagBucket = Dags(stack),
                BackupsToKeep = 500,
            });
        };
        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith("Invalid MwaaSchedulerProps (3 problems):");
    }

    [Fact]
    public void A_role_arn_from_another_construct_is_accepted_unchecked()
    {
        var (stack, _) = MwaaSynth.Scheduler(s =>
        {
            var role = new Amazon.CDK.AWS.IAM.Role(s, "Execution", new Amazon.CDK.AWS.IAM.RoleProps { AssumedBy = new Amazon.CDK.AWS.IAM.ServicePrincipal("airflow-env.amazonaws.com") });
            var props = MwaaSynth.Minimal(s);
            typeof(MwaaSchedulerProps).GetProperty(nameof(MwaaSchedulerProps.ExecutionRoleArn))!.SetValue(props, role.RoleArn);
            return props;
        });
        PolicyStatements.Of(stack, "ResumeWorkflowRole").Single(st => st.Actions.Contains("iam:PassRole")).Json.Should().Contain("ExecutionRole");
    }

    [Fact]
    public void A_valid_window_set_passes()
    {
        var (_, scheduler) = MwaaSynth.Scheduler(P(Set("Windows", MwaaSynth.Windows), Set("TimeZone", "Europe/Paris"), Set("EnvironmentClass", "mw1.xlarge"), Set("HourlyPrice", 3.3)));
        scheduler.Schedules.Should().HaveCount(4);
        scheduler.Savings.HourlyPriceUsd.Should().Be(3.3);
    }
}
