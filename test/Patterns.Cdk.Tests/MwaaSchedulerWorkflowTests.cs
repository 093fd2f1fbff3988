using System.Text.Json.Nodes;
using Amazon.CDK;
using FluentAssertions;
using Patterns.Cdk.MwaaScheduler;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The two workflows' definitions: the state names of design section 2 (the local Step Functions runs bind them), the
/// retry/catch/timeout conventions on every Task, the poll bounds, the payloads the handlers expect, and the safety
/// property walked on the graph: no path reaches DeleteEnvironment except through VerifyBackup.
/// </summary>
public class MwaaSchedulerWorkflowTests
{
    private static readonly Lazy<(JsonObject Pause, JsonObject Resume)> Minimal = new(() =>
    {
        var (stack, _) = MwaaSynth.Scheduler();
        return (MwaaSynth.States(stack, "PauseWorkflow"), MwaaSynth.States(stack, "ResumeWorkflow"));
    });

    private static readonly Lazy<(JsonObject Pause, JsonObject Resume)> AllOptions = new(() =>
    {
        var (stack, _) = MwaaSynth.Scheduler(MwaaSchedulerSnapshotTests.AllOptions);
        return (MwaaSynth.States(stack, "PauseWorkflow"), MwaaSynth.States(stack, "ResumeWorkflow"));
    });

    public static TheoryData<string> Variants() => new() { "minimal", "all options" };

    private static IEnumerable<(string Workflow, JsonObject States)> Both(string variant)
    {
        var (pause, resume) = variant == "minimal" ? Minimal.Value : AllOptions.Value;
        return [("pause", pause), ("resume", resume)];
    }

    [Fact]
    public void Pause_has_the_contract_states()
    {
        Minimal.Value.Pause.Select(s => s.Key).Should().BeEquivalentTo(
        [
            "Init", "AcquireLock", "NotifyLockHeld", "LockHeld", "FailedAcquireLock", "GetEnvironment", "FailedGetEnvironment", "CheckEnvironmentStatus",
            "FailedNotAvailable", "AlreadyPaused", "SaveConfiguration", "FailedSaveConfiguration", "RecordBackupPrefix", "RouteExport",
            "FailedUnsupportedVersion", "FailedUnexpectedBackup", "TriggerExport", "FailedTriggerExport", "WaitForExport", "GetExportRun", "FailedGetExportRun",
            "CheckExportRun", "FailedExport", "CountExportPoll", "ExportPollsLeft", "FailedExportTimeout", "VerifyBackup", "FailedVerifyBackup",
            "DeleteEnvironment", "FailedDeleteEnvironment", "WaitForDeletion", "GetEnvironmentAfterDelete", "FailedGetEnvironmentAfterDelete", "CheckDeletion",
            "FailedDeletion", "CountDeletionPoll", "DeletionPollsLeft", "FailedDeletionTimeout", "Paused", "ReleaseLock", "FailedReleaseLock", "Done",
            "NotifyFailure", "ReleaseLockAfterFailure", "WorkflowFailed",
        ]);
        AllOptions.Value.Pause.Select(s => s.Key).Should().Contain(["NotifySuccess", "FailedNotifySuccess"]).And.NotContain("FailedUnsupportedVersion");
    }

    [Fact]
    public void Resume_has_the_contract_states()
    {
        Minimal.Value.Resume.Select(s => s.Key).Should().BeEquivalentTo(
        [
            "Init", "AcquireLock", "NotifyLockHeld", "LockHeld", "FailedAcquireLock", "GetEnvironment", "FailedGetEnvironment", "CheckEnvironmentStatus",
            "FailedNotResumable", "AlreadyRunning", "LoadBackup", "FailedLoadBackup", "RecordBackupPrefix", "CreateEnvironment", "FailedCreateEnvironment",
            "WaitForCreation", "GetEnvironmentAfterCreate", "FailedGetEnvironmentAfterCreate", "CheckCreation", "NoCreationErrorDetail", "FailedCreation",
            "CountCreationPoll", "CreationPollsLeft", "FailedCreationTimeout", "RouteImport", "TriggerImport", "FailedTriggerImport", "WaitForImport",
            "GetImportRun", "FailedGetImportRun", "CheckImportRun", "FailedImport", "CountImportPoll", "ImportPollsLeft", "FailedImportTimeout", "AfterImport",
            "UpdateEnvironment", "FailedUpdateEnvironment", "WaitForUpdate", "GetEnvironmentAfterUpdate", "FailedGetEnvironmentAfterUpdate", "CheckUpdate",
            "NoUpdateErrorDetail", "FailedUpdate", "CountUpdatePoll", "UpdatePollsLeft", "FailedUpdateTimeout", "Resumed", "ReleaseLock", "FailedReleaseLock",
            "Done", "NotifyFailure", "ReleaseLockAfterFailure", "WorkflowFailed",
        ]);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_task_has_a_timeout_a_jittered_retry_and_a_catch_all(string variant)
    {
        foreach (var (workflow, states) in Both(variant))
        {
            foreach (var (name, state) in states.Where(s => (string?)s.Value!["Type"] == "Task"))
            {
                var where = $"{workflow}/{name}";
                state!["TimeoutSeconds"].Should().NotBeNull(where);
                var retries = state["Retry"]!.AsArray();
                retries.Should().NotBeEmpty(where);
                retries.Select(r => (string?)r!["JitterStrategy"]).Should().AllBe("FULL", where);
                retries.Select(r => (double)r!["BackoffRate"]!).Should().AllSatisfy(rate => rate.Should().Be(2), where);
                retries.Select(r => r!["MaxDelaySeconds"]).Should().AllSatisfy(d => d.Should().NotBeNull(), where);
                var catches = state["Catch"]!.AsArray();
                catches.Last()!["ErrorEquals"]!.AsArray().Select(e => (string?)e).Should().Equal(["States.ALL"], where);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_catch_all_records_the_failure_and_leads_to_the_notification(string variant)
    {
        foreach (var (workflow, states) in Both(variant))
        {
            foreach (var (name, state) in states.Where(s => (string?)s.Value!["Type"] == "Task" && s.Key is not ("NotifyFailure" or "ReleaseLockAfterFailure" or "NotifyLockHeld")))
            {
                var catchAll = state!["Catch"]!.AsArray().Last()!;
                ((string?)catchAll["Next"]).Should().Be("Failed" + name, $"{workflow}/{name}");
                ((string?)catchAll["ResultPath"]).Should().Be("$.failure.error");
                var failed = states["Failed" + name]!;
                ((string?)failed["Result"]).Should().Be(name);
                ((string?)failed["ResultPath"]).Should().Be("$.failure.step");
                ((string?)failed["Next"]).Should().Be("NotifyFailure");
            }

            ((string?)states["NotifyFailure"]!["Next"]).Should().Be("ReleaseLockAfterFailure");
            ((string?)states["NotifyFailure"]!["Catch"]![0]!["Next"]).Should().Be("ReleaseLockAfterFailure");
            ((string?)states["ReleaseLockAfterFailure"]!["Next"]).Should().Be("WorkflowFailed");
            ((string?)states["ReleaseLockAfterFailure"]!["Catch"]![0]!["Next"]).Should().Be("WorkflowFailed");
            ((string?)states["WorkflowFailed"]!["Error"]).Should().Be(workflow == "pause" ? "MwaaScheduler.PauseFailed" : "MwaaScheduler.ResumeFailed");
            ((string?)states["WorkflowFailed"]!["CausePath"]).Should().Be("$.failure.error.Cause");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void No_path_reaches_DeleteEnvironment_except_through_VerifyBackup(string variant)
    {
        var states = (variant == "minimal" ? Minimal.Value : AllOptions.Value).Pause;
        // Every state reachable from Init without passing VerifyBackup's success transition (its Next).
        var reached = new HashSet<string>();
        var queue = new Queue<string>(["Init"]);
        while (queue.TryDequeue(out var name))
        {
            if (!reached.Add(name))
            {
                continue;
            }

            var state = states[name]!;
            var successors = name == "VerifyBackup"
                ? MwaaSynth.Successors(state).Where(n => n != (string?)state["Next"])
                : MwaaSynth.Successors(state);
            foreach (var next in successors)
            {
                queue.Enqueue(next);
            }
        }

        reached.Should().Contain("VerifyBackup").And.NotContain("DeleteEnvironment");
        ((string?)states["VerifyBackup"]!["Next"]).Should().Be("DeleteEnvironment");
        // And the only state with a transition into DeleteEnvironment is VerifyBackup.
        states.Where(s => MwaaSynth.Successors(s.Value!).Contains("DeleteEnvironment")).Select(s => s.Key).Should().Equal(["VerifyBackup"]);
    }

    [Fact]
    public void Pause_routes_by_status_and_only_available_is_saved()
    {
        var states = Minimal.Value.Pause;
        var check = states["CheckEnvironmentStatus"]!;
        Rules(check).Should().Equal([("$.environment.Environment.Status", "AVAILABLE", "SaveConfiguration"), ("$.environment.Environment.Status", "DELETED", "AlreadyPaused")]);
        ((string?)check["Default"]).Should().Be("FailedNotAvailable");
        var notFound = states["GetEnvironment"]!["Catch"]![0]!;
        notFound["ErrorEquals"]!.AsArray().Select(e => (string?)e).Should().Equal(["Mwaa.ResourceNotFoundException"]);
        ((string?)notFound["Next"]).Should().Be("AlreadyPaused");
        ((string?)states["AlreadyPaused"]!["Next"]).Should().Be("ReleaseLock");
        states["FailedNotAvailable"]!["Parameters"]!.Text().Should().Contain("\"Error\":\"EnvironmentNotAvailable\"")
            .And.Contain("States.Format('status {}', $.environment.Environment.Status)");
    }

    [Fact]
    public void Export_is_triggered_polled_and_bounded()
    {
        var states = Minimal.Value.Pause;
        var trigger = states["TriggerExport"]!;
        trigger["Parameters"]!.Text().Should().Be(
            """{"action":"trigger","dagId":"pcdk_export","runId.$":"$.backup.runId","conf.$":"$.backup.exportConf"}""");
        ((string?)trigger["ResultPath"]).Should().Be("$.poll");
        trigger["ResultSelector"]!.Text().Should().Be("""{"count":0}""");
        trigger["Retry"]!.AsArray().SelectMany(r => r!["ErrorEquals"]!.AsArray().Select(e => (string?)e)).Should().Contain(["DagNotFound", "AirflowUnavailable"]);
        states["GetExportRun"]!["Parameters"]!.Text().Should().Be("""{"action":"status","dagId":"pcdk_export","runId.$":"$.backup.runId"}""");
        ((double)states["WaitForExport"]!["Seconds"]!).Should().Be(60);
        var check = states["CheckExportRun"]!;
        Rules(check).Should().Equal([("$.exportRun.state", "success", "VerifyBackup"), ("$.exportRun.state", "failed", "FailedExport")]);
        ((string?)check["Default"]).Should().Be("CountExportPoll");
        states["CountExportPoll"]!["Parameters"]!.Text().Should().Be("""{"count.$":"States.MathAdd($.poll.count, 1)"}""");
        var left = states["ExportPollsLeft"]!;
        ((double)left["Choices"]![0]!["NumericGreaterThanEquals"]!).Should().Be(60, "60 minutes / 1 minute");
        ((string?)left["Choices"]![0]!["Next"]).Should().Be("FailedExportTimeout");
        ((string?)left["Default"]).Should().Be("WaitForExport");
        states["FailedExportTimeout"]!["Parameters"]!.Text().Should().Contain("\"Error\":\"ExportTimedOut\"");
    }

    [Fact]
    public void Unsupported_versions_refuse_unless_allowed()
    {
        var refuse = Minimal.Value.Pause["RouteExport"]!;
        refuse["Choices"]!.Text().Should().Contain("\"Next\":\"FailedUnsupportedVersion\"").And.NotContain("\"Next\":\"VerifyBackup\"");
        Minimal.Value.Pause["FailedUnsupportedVersion"]!["Parameters"]!.Text().Should().Contain("\"Cause.$\":\"$.backup.reason\"");
        var allow = AllOptions.Value.Pause["RouteExport"]!;
        Rules(allow).Should().Contain(("$.backup.metadataExport", "unsupported", "VerifyBackup"));
        ((string?)allow["Default"]).Should().Be("FailedUnexpectedBackup");
    }

    [Fact]
    public void Verify_and_delete_payloads()
    {
        var states = Minimal.Value.Pause;
        states["SaveConfiguration"]!["Parameters"]!.Text().Should().Be(
            """{"action":"saveConfiguration","backupId.$":"$.context.backupId","environment.$":"$.environment.Environment"}""");
        states["VerifyBackup"]!["Parameters"]!.Text().Should().Be(
            """{"action":"verify","prefix.$":"$.backup.prefix","metadata.$":"States.ArrayContains(States.Array('supported'), $.backup.metadataExport)"}""");
        var delete = states["DeleteEnvironment"]!;
        ((string?)delete["Resource"]).Should().EndWith(":states:::aws-sdk:mwaa:deleteEnvironment");
        delete["Parameters"]!.Text().Should().Be("""{"Name":"analytics"}""");
        Rules(states["CheckDeletion"]!).Should().Equal([("$.deleted.Environment.Status", "DELETED", "Paused"), ("$.deleted.Environment.Status", "DELETING", "CountDeletionPoll")]);
        ((string?)states["CheckDeletion"]!["Default"]).Should().Be("FailedDeletion");
        ((string?)states["GetEnvironmentAfterDelete"]!["Catch"]![0]!["Next"]).Should().Be("Paused");
        ((double)states["DeletionPollsLeft"]!["Choices"]![0]!["NumericGreaterThanEquals"]!).Should().Be(90);
    }

    [Fact]
    public void Init_builds_the_context_with_a_backup_id_from_the_start_time()
    {
        var init = Minimal.Value.Pause["Init"]!;
        ((string?)init["ResultPath"]).Should().Be("$.context");
        var context = init["Parameters"]!;
        ((string?)context["environmentName"]).Should().Be("analytics");
        ((string?)context["backupPrefix"]).Should().Be("none");
        ((string?)context["owner.$"]).Should().Be("$$.Execution.Id");
        ((string?)context["operation"]).Should().Be("pause");
        var backupId = (string)context["backupId.$"]!;
        backupId.Should().StartWith("States.Format('{}{}{}T{}{}{}Z', ").And.Contain("$$.Execution.StartTime");
        // Only single-character delimiters: AWS splits at each character of a longer one, the local runner at the whole string.
        System.Text.RegularExpressions.Regex.Matches(backupId, @"States\.StringSplit\(.*?, '([^']*)'\)").Select(m => m.Groups[1].Value)
            .Should().NotBeEmpty().And.OnlyContain(d => d.Length == 1);
        ((string?)Minimal.Value.Resume["Init"]!["Parameters"]!["operation"]).Should().Be("resume");
        ((bool)Minimal.Value.Resume["Init"]!["Parameters"]!["updateAfterRestore"]!).Should().BeFalse();
        ((bool)AllOptions.Value.Resume["Init"]!["Parameters"]!["updateAfterRestore"]!).Should().BeTrue();
    }

    [Fact]
    public void The_lock_is_taken_first_and_a_held_lock_fails_fast_without_release()
    {
        foreach (var (workflow, states) in Both("minimal"))
        {
            ((string?)states["Init"]!["Next"]).Should().Be("AcquireLock");
            var acquire = states["AcquireLock"]!;
            var ttl = workflow == "pause" ? (60 + 2 * 90 + 15) * 60 : (2 * 90 + 60 + 15) * 60;
            acquire["Parameters"]!.Text().Should().Be(
                $$"""{"action":"acquire","lockName":"analytics","owner.$":"$.context.owner","operation.$":"$.context.operation","ttlSeconds":{{ttl}}}""");
            ((string?)acquire["Next"]).Should().Be("GetEnvironment");
            acquire["Catch"]![0]!["ErrorEquals"]!.AsArray().Select(e => (string?)e).Should().Equal(["LockHeld"]);
            ((string?)acquire["Catch"]![0]!["Next"]).Should().Be("NotifyLockHeld");
            ((string?)states["NotifyLockHeld"]!["Next"]).Should().Be("LockHeld");
            ((string?)states["LockHeld"]!["Type"]).Should().Be("Fail");
            states["ReleaseLock"]!["Parameters"]!.Text().Should().Be("""{"action":"release","lockName":"analytics","owner.$":"$.context.owner"}""");
            ((string?)states["ReleaseLock"]!["Next"]).Should().Be("Done");
        }
    }

    [Fact]
    public void The_failure_notification_carries_step_error_cause_and_backup_but_no_configuration()
    {
        var notify = Minimal.Value.Pause["NotifyFailure"]!;
        ((string?)notify["Resource"]).Should().EndWith(":states:::sns:publish");
        notify["Parameters"]!["Message"]!.Text().Should().Be(
            """{"environment":"analytics","workflow":"pause","step.$":"$.failure.step","error.$":"$.failure.error.Error","cause.$":"$.failure.error.Cause","backupPrefix.$":"$.context.backupPrefix","execution.$":"$$.Execution.Id"}""");
        ((string?)notify["Parameters"]!["Subject"]).Should().Be("MwaaScheduler analytics: pause failed");
        ((string?)Minimal.Value.Pause["RecordBackupPrefix"]!["InputPath"]).Should().Be("$.backup.prefix");
        ((string?)Minimal.Value.Pause["RecordBackupPrefix"]!["ResultPath"]).Should().Be("$.context.backupPrefix");
    }

    [Fact]
    public void Success_is_notified_only_when_asked()
    {
        ((string?)Minimal.Value.Pause["Paused"]!["Next"]).Should().Be("ReleaseLock");
        ((string?)Minimal.Value.Resume["Resumed"]!["Next"]).Should().Be("ReleaseLock");
        ((string?)AllOptions.Value.Pause["Paused"]!["Next"]).Should().Be("NotifySuccess");
        ((string?)AllOptions.Value.Resume["Resumed"]!["Next"]).Should().Be("NotifySuccess");
        ((string?)AllOptions.Value.Pause["AlreadyPaused"]!["Next"]).Should().Be("ReleaseLock", "an idempotent no-op is not news");
    }

    [Fact]
    public void Resume_creates_from_the_saved_request_and_fails_fast_on_a_failed_create()
    {
        var states = Minimal.Value.Resume;
        Rules(states["CheckEnvironmentStatus"]!).Should().Equal(
            [("$.environment.Environment.Status", "AVAILABLE", "AlreadyRunning"), ("$.environment.Environment.Status", "DELETED", "LoadBackup")]);
        ((string?)states["CheckEnvironmentStatus"]!["Default"]).Should().Be("FailedNotResumable");
        ((string?)states["GetEnvironment"]!["Catch"]![0]!["Next"]).Should().Be("LoadBackup");
        states["LoadBackup"]!["Parameters"]!.Text().Should().Be("""{"action":"loadLatest"}""");
        var create = states["CreateEnvironment"]!;
        ((string?)create["Resource"]).Should().EndWith(":states:::aws-sdk:mwaa:createEnvironment");
        var parameters = create["Parameters"]!.AsObject();
        parameters.Select(p => p.Key).Should().HaveCount(25).And.OnlyContain(k => k.EndsWith(".$", StringComparison.Ordinal));
        parameters.Select(p => ((string?)p.Value, p.Key.Replace(".$", "", StringComparison.Ordinal))).Should().OnlyContain(p => p.Item1 == "$.backup.request." + p.Item2);
        parameters.Select(p => p.Key.Replace(".$", "", StringComparison.Ordinal)).Should().BeEquivalentTo(ResumeWorkflow.CreateEnvironmentFields);
        var check = states["CheckCreation"]!;
        check["Choices"]!.Text().Should().Contain("\"StringEquals\":\"CREATING\"").And.Contain("\"StringEquals\":\"PENDING\"")
            .And.Contain("\"Variable\":\"$.created.Environment.LastUpdate.Error.ErrorMessage\",\"IsPresent\":true,\"Next\":\"FailedCreation\"");
        ((string?)check["Choices"]![0]!["Next"]).Should().Be("RouteImport");
        ((string?)check["Default"]).Should().Be("NoCreationErrorDetail", "CREATE_FAILED, UNAVAILABLE and any other status fail at once");
        ((string?)states["NoCreationErrorDetail"]!["Next"]).Should().Be("FailedCreation");
        ((string?)states["FailedCreation"]!["Parameters"]!["error"]!["Cause.$"]).Should().Be(
            "States.Format('status {} : {}', $.created.Environment.Status, $.created.Environment.LastUpdate.Error.ErrorMessage)");
    }

    [Fact]
    public void Resume_imports_only_a_metadata_backup_and_updates_only_when_asked()
    {
        var states = Minimal.Value.Resume;
        Rules(states["RouteImport"]!).Should().Equal([("$.backup.metadata", "True", "TriggerImport")]);
        ((string?)states["RouteImport"]!["Default"]).Should().Be("AfterImport");
        states["TriggerImport"]!["Parameters"]!.Text().Should().Be(
            """{"action":"trigger","dagId":"pcdk_import","runId.$":"$.backup.runId","conf.$":"$.backup.importConf"}""");
        Rules(states["CheckImportRun"]!).Should().Equal([("$.importRun.state", "success", "AfterImport"), ("$.importRun.state", "failed", "FailedImport")]);
        Rules(states["AfterImport"]!).Should().Equal([("$.context.updateAfterRestore", "True", "UpdateEnvironment")]);
        states["UpdateEnvironment"]!["Parameters"]!.Text().Should().Be(
            """{"Name":"analytics","PluginsS3Path.$":"$.backup.request.PluginsS3Path","PluginsS3ObjectVersion.$":"$.backup.request.PluginsS3ObjectVersion"}""");
        ((double)states["ImportPollsLeft"]!["Choices"]![0]!["NumericGreaterThanEquals"]!).Should().Be(60);
        ((double)AllOptions.Value.Resume["ImportPollsLeft"]!["Choices"]![0]!["NumericGreaterThanEquals"]!).Should().Be(38, "75 minutes / 2 minutes, rounded up");
        ((double)AllOptions.Value.Resume["WaitForImport"]!["Seconds"]!).Should().Be(120);
    }

    [Fact]
    public void Mwaa_calls_retry_the_service_errors()
    {
        foreach (var (workflow, states) in Both("minimal"))
        {
            foreach (var (name, state) in states.Where(s => ((string?)s.Value!["Resource"])?.Contains(":aws-sdk:mwaa:", StringComparison.Ordinal) == true))
            {
                state!["Retry"]![0]!["ErrorEquals"]!.AsArray().Select(e => (string?)e).Should().Equal(
                    ["Mwaa.InternalServerException", "Mwaa.ThrottlingException", "Mwaa.SdkClientException", "Mwaa.MwaaException"], $"{workflow}/{name}");
                ((double)state["TimeoutSeconds"]!).Should().Be(60);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Notifications_retry_a_publish_that_timed_out(string variant)
    {
        // States.TaskFailed never matches States.Timeout: a publish that timed out once used to end a failed run with no
        // notification at all (tools/sfn/conservation.mjs found it under injected SNS timeouts).
        foreach (var (workflow, states) in Both(variant))
        {
            foreach (var (name, state) in states.Where(s => ((string?)s.Value!["Resource"])?.EndsWith(":states:::sns:publish", StringComparison.Ordinal) == true))
            {
                var errors = state!["Retry"]!.AsArray().Select(r => r!["ErrorEquals"]!.AsArray().Select(e => (string?)e).ToList()).ToList();
                errors.Should().ContainEquivalentOf(new List<string?> { "States.TaskFailed" }, $"{workflow}/{name}");
                errors.Should().ContainEquivalentOf(new List<string?> { "States.Timeout" }, $"{workflow}/{name}");
            }
        }
    }

    private static List<(string Variable, string Value, string Next)> Rules(JsonNode choice) =>
        choice["Choices"]!.AsArray()
            .Where(r => r!["Variable"] is not null && (r["StringEquals"] ?? r["BooleanEquals"]) is not null)
            .Select(r => ((string)r!["Variable"]!, (r["StringEquals"] ?? r["BooleanEquals"])!.ToString() switch { "true" => "True", "false" => "False", var v => v }, (string)r["Next"]!))
            .ToList();
}
