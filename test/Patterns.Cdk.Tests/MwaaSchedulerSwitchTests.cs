using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.MwaaScheduler;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>Each switch away from its default: windows and their schedules, the safety switches, tuning, imported resources.</summary>
public class MwaaSchedulerSwitchTests
{
    private static readonly Lazy<(Stack Stack, MwaaScheduler.MwaaScheduler Scheduler)> All = new(() => MwaaSynth.Scheduler(MwaaSchedulerSnapshotTests.AllOptions));

    [Fact]
    public void Each_window_gets_a_pause_and_a_resume_schedule_in_the_time_zone()
    {
        var (stack, scheduler) = All.Value;
        var schedules = MwaaSynth.Resources(stack, "AWS::Scheduler::Schedule");
        schedules.Select(s => s.Id).Should().HaveCount(4);
        scheduler.Schedules.Select(s => s.Node.Id).Should().Equal(["Pause-nights", "Resume-nights", "Pause-weekends", "Resume-weekends"]);
        foreach (var (id, schedule) in schedules)
        {
            ((string?)schedule["ScheduleExpressionTimezone"]).Should().Be("Europe/Paris", id);
            schedule["FlexibleTimeWindow"]!.ToJsonString().Should().Be("""{"Mode":"OFF"}""");
            ((string?)schedule["State"]).Should().Be("ENABLED");
            SettlementSynth.Canon(schedule["Target"]!["RetryPolicy"]).Should().Be("""{"MaximumEventAgeInSeconds":900,"MaximumRetryAttempts":3}""");
            schedule["Target"]!["DeadLetterConfig"]!["Arn"]!.ToJsonString().Should().Contain("SchedulerScheduleDeadLetterQueue");
            schedule["Target"]!["RoleArn"]!.ToJsonString().Should().Contain("SchedulerSchedulerRole");
        }

        var pauseNights = Schedule(stack, "Pausenights");
        ((string?)pauseNights["ScheduleExpression"]).Should().Be("cron(0 20 ? * MON-THU *)");
        ((string?)pauseNights["Target"]!["Input"]).Should().Be("""{"trigger":"schedule","window":"nights"}""");
        pauseNights["Target"]!["Arn"]!.ToJsonString().Should().Contain("SchedulerPauseWorkflow");
        var resumeWeekends = Schedule(stack, "Resumeweekends");
        ((string?)resumeWeekends["ScheduleExpression"]).Should().Be("cron(0 7 ? * MON *)");
        ((string?)resumeWeekends["Target"]!["Input"]).Should().Be("""{"trigger":"schedule","window":"weekends"}""");
        resumeWeekends["Target"]!["Arn"]!.ToJsonString().Should().Contain("SchedulerResumeWorkflow");
    }

    [Fact]
    public void The_scheduler_role_may_start_the_two_workflows_and_send_dead_letters_only()
    {
        var (stack, _) = All.Value;
        var role = MwaaSynth.Resources(stack, "AWS::IAM::Role").Single(r => r.Id.Contains("SchedulerSchedulerRole")).Properties;
        role["AssumeRolePolicyDocument"]!.ToJsonString().Should().Contain("scheduler.amazonaws.com").And.Contain("\"aws:SourceAccount\":\"123456789012\"");
        var statements = PolicyStatements.Of(stack, "SchedulerSchedulerRole");
        var start = statements.Where(s => s.Actions.Contains("states:StartExecution")).ToList();
        start.SelectMany(s => s.Resources).Should().HaveCount(2).And.OnlyContain(r => r.Contains("PauseWorkflow") || r.Contains("ResumeWorkflow"));
        statements.Where(s => !s.Actions.Contains("states:StartExecution")).SelectMany(s => s.Actions).Should().OnlyContain(a => a.StartsWith("sqs:", StringComparison.Ordinal));
    }

    [Fact]
    public void Schedule_dead_letters_get_a_queue_and_an_alarm()
    {
        var (stack, scheduler) = All.Value;
        scheduler.ScheduleDeadLetterQueue.Should().NotBeNull();
        var queue = MwaaSynth.Single(stack, "AWS::SQS::Queue");
        ((bool)queue["SqsManagedSseEnabled"]!).Should().BeTrue();
        MwaaSynth.Resources(stack, "AWS::CloudWatch::Alarm").Should().Contain(a => (string?)a.Properties["MetricName"] == "ApproximateNumberOfMessagesVisible");
        scheduler.MetricScheduleDeadLetters().Should().NotBeNull();
    }

    [Fact]
    public void Without_the_dead_letter_queue_a_warning_says_so()
    {
        var (stack, scheduler) = MwaaSynth.Scheduler(s => With(MwaaSynth.Minimal(s), p => p.Windows = MwaaSynth.Windows, p => p.DeployScheduleDeadLetterQueue = false));
        scheduler.ScheduleDeadLetterQueue.Should().BeNull();
        MwaaSynth.Resources(stack, "AWS::Scheduler::Schedule").Should().OnlyContain(s => s.Properties["Target"]!["DeadLetterConfig"] == null);
        Warnings(stack, "scheduleDeadLetterQueue").Should().ContainSingle();
    }

    [Fact]
    public void All_options_reach_the_template()
    {
        var (stack, scheduler) = All.Value;
        var catalog = MwaaSynth.FunctionEnvironment(stack, "BackupCatalogFunction");
        ((string?)catalog["BACKUPS_TO_KEEP"]).Should().Be("14");
        ((string?)catalog["EXPORT_CONNECTIONS"]).Should().Be("false");
        ((string?)catalog["EXPORT_VARIABLES"]).Should().Be("false");
        ((string?)catalog["LOG_LEVEL"]).Should().Be("DEBUG");
        ((string?)MwaaSynth.Single(stack, "Custom::CDKBucketDeployment")["DestinationBucketKeyPrefix"]).Should().Be("airflow/dags/patterns_cdk/");
        ((string?)MwaaSynth.Resources(stack, "AWS::S3::Bucket").Single().Properties["BucketName"]).Should().Be("analytics-mwaa-backups");
        MwaaSynth.Resources(stack, "AWS::StepFunctions::StateMachine").Should().OnlyContain(m => (string?)m.Properties["LoggingConfiguration"]!["Level"] == "ALL");
        // 45 + 2 x 120 + 15 and 2 x 120 + 75 + 15 minutes.
        ((double)MwaaSynth.Definition(stack, "PauseWorkflow")["TimeoutSeconds"]!).Should().Be(300 * 60);
        ((double)MwaaSynth.Definition(stack, "ResumeWorkflow")["TimeoutSeconds"]!).Should().Be(330 * 60);
        MwaaSynth.Resources(stack, "AWS::CloudWatch::Alarm").Should().HaveCount(6).And.OnlyContain(a => a.Properties["AlarmActions"] != null);
        scheduler.Savings.EnvironmentClass.Should().Be("mw1.large");
        scheduler.Savings.HourlyPriceUsd.Should().Be(1.96);
        scheduler.Savings.Rows.Select(r => r.Window).Should().Equal(["nights", "weekends"]);
        scheduler.Savings.PausedHoursPerMonth.Should().BeGreaterThan(300, "four 11-hour nights and a 59-hour weekend a week");
        scheduler.Savings.Summary.Should().Contain("mw1.large");
        Warnings(stack, "shortPause").Should().BeEmpty();
        // The backup key was given: only the topic key is created.
        MwaaSynth.Resources(stack, "AWS::KMS::Key").Select(k => k.Id).Should().NotContain(id => id.StartsWith("SchedulerBackupKey", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_alarms_none_are_created()
    {
        var (stack, scheduler) = MwaaSynth.With(p => With(p, q => q.CreateAlarms = false));
        MwaaSynth.Resources(stack, "AWS::CloudWatch::Alarm").Should().BeEmpty();
        scheduler.Alarms.Should().BeEmpty();
    }

    [Fact]
    public void A_short_pause_warns_with_its_id()
    {
        var (stack, _) = MwaaSynth.With(p => With(p, q => q.Windows = [new PauseWindow { Name = "lunch", Pause = "cron(0 12 * * ? *)", Resume = "cron(0 13 * * ? *)" }]));
        Warnings(stack, "shortPause").Should().ContainSingle().Which.Should().Contain("Windows 'lunch'");
    }

    [Fact]
    public void Imported_resources_are_used_and_not_created()
    {
        var (stack, scheduler) = MwaaSynth.Scheduler(MwaaSchedulerSnapshotTests.Existing);
        MwaaSynth.Resources(stack, "AWS::S3::Bucket").Should().BeEmpty();
        MwaaSynth.Resources(stack, "AWS::S3::BucketPolicy").Should().BeEmpty("an imported bucket keeps its own policy");
        MwaaSynth.Resources(stack, "AWS::KMS::Key").Should().BeEmpty();
        MwaaSynth.Resources(stack, "AWS::DynamoDB::Table").Should().BeEmpty();
        MwaaSynth.Resources(stack, "AWS::SNS::Topic").Should().BeEmpty();
        scheduler.BackupBucket.BucketName.Should().Be("analytics-backups");
        var catalog = PolicyStatements.Of(stack, "BackupCatalogFunctionRole");
        catalog.Single(s => s.Actions.Contains("s3:PutObject")).Resources.Should().Equal(["arn:aws:s3:::analytics-backups/backups/analytics/*"]);
        catalog.Single(s => s.Actions.Contains("kms:Encrypt")).Resources.Should().Equal(["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]);
        PolicyStatements.Of(stack, "LockFunctionRole").Single(s => s.Actions.Contains("dynamodb:PutItem")).Resources.Should().Equal(
            ["arn:aws:dynamodb:eu-west-1:123456789012:table/mwaa-locks"]);
        PolicyStatements.Of(stack, "PauseWorkflowRole").Single(s => s.Actions.Contains("sns:Publish")).Resources.Should().Equal(["arn:aws:sns:eu-west-1:123456789012:ops"]);
        ((string?)MwaaSynth.FunctionEnvironment(stack, "BackupCatalogFunction")["BACKUP_BUCKET"]).Should().Be("analytics-backups");
    }

    [Fact]
    public void An_imported_table_key_is_granted_to_the_lock_function()
    {
        var (stack, _) = MwaaSynth.Scheduler(s => With(MwaaSynth.Minimal(s), p => p.ExistingLockTable = Table.FromTableAttributes(s, "Locks", new TableAttributes
        {
            TableName = "mwaa-locks",
            EncryptionKey = Key.FromKeyArn(s, "LocksKey", "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"),
        })));
        PolicyStatements.Of(stack, "LockFunctionRole").Should().Contain(s => s.Actions.Contains("kms:Decrypt")
            && s.Resources.SequenceEqual(new[] { "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555" }));
    }

    [Fact]
    public void A_long_environment_name_keeps_the_sns_subject_under_100_characters()
    {
        var name = "a" + new string('b', 79);
        var (stack, _) = MwaaSynth.With(p => With(p, q => q.EnvironmentName = name));
        var subject = (string?)MwaaSynth.States(stack, "PauseWorkflow")["NotifyFailure"]!["Parameters"]!["Subject"];
        subject.Should().Be("MwaaScheduler: pause failed");
        subject!.Length.Should().BeLessThan(100);
    }

    internal static List<string> Warnings(Stack stack, string topic) =>
        Amazon.CDK.Assertions.Annotations.FromStack(stack).FindWarning("*", Amazon.CDK.Assertions.Match.StringLikeRegexp($"patterns-cdk:MwaaScheduler\\.{topic}"))
            .Select(w => Newtonsoft.Json.JsonConvert.SerializeObject(w.Entry.Data)).ToList();

    /// <summary>Returns <paramref name="props"/> after setting init-only properties (tests build variants of the minimal props).</summary>
    internal static MwaaSchedulerProps With(MwaaSchedulerProps props, params Action<Mutable>[] changes)
    {
        var mutable = new Mutable(props);
        foreach (var change in changes)
        {
            change(mutable);
        }

        return props;
    }

    private static JsonNode Schedule(Stack stack, string idPart) =>
        MwaaSynth.Resources(stack, "AWS::Scheduler::Schedule").Single(s => s.Id.Contains(idPart, StringComparison.Ordinal)).Properties;

    /// <summary>Settable view of the props' init-only properties.</summary>
    internal sealed class Mutable(MwaaSchedulerProps props)
    {
        public string EnvironmentName { set => Set(nameof(EnvironmentName), value); }

        public IReadOnlyList<PauseWindow>? Windows { set => Set(nameof(Windows), value); }

        public bool? DeployScheduleDeadLetterQueue { set => Set(nameof(DeployScheduleDeadLetterQueue), value); }

        public bool? CreateAlarms { set => Set(nameof(CreateAlarms), value); }

        public ITable? ExistingLockTable { set => Set(nameof(ExistingLockTable), value); }

        public void Set(string property, object? value) => typeof(MwaaSchedulerProps).GetProperty(property)!.SetValue(props, value);
    }
}
