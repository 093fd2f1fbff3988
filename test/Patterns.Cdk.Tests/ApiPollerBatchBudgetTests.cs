using System.Text.Json.Nodes;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Xunit;
using Orchestrator = Patterns.Cdk.ApiPoller.Orchestrator;

namespace Patterns.Cdk.Tests;

/// <summary>
/// An Express batch child never runs out of time silently: it fetches within a budget from its start, records the
/// batch as failed when the budget runs out, and its retries cannot carry it past Express's 5 minutes.
/// </summary>
public class ApiPollerBatchBudgetTests
{
    /// <summary>A FetchBatch attempt after the deadline starts no page: a cold start, the job read and the return.</summary>
    private const double FetchAttemptAfterDeadlineSeconds = 10;

    /// <summary>One DynamoDB UpdateItem attempt, generously.</summary>
    private const double UpdateAttemptSeconds = 5;

    private static JsonNode Child()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        return ApiPollerTemplate.Definition(stack)["States"]!["FetchPages"]!["ItemProcessor"]!["States"]!;
    }

    [Fact]
    public void Every_FetchBatch_call_carries_the_childs_start_and_the_budget()
    {
        var fetchBatch = Child()["FetchBatch"]!;
        var payload = fetchBatch["Parameters"]!["Payload"]!;
        payload["batchStartedAt.$"]!.GetValue<string>().Should().Be("$$.Execution.StartTime", "the budget runs from the child's start, not from each call");
        payload["batchBudgetSeconds"]!.GetValue<double>().Should().Be(Orchestrator.BatchBudgetSeconds);
        payload["Items.$"]!.GetValue<string>().Should().Be("$.Items");
        fetchBatch["ResultSelector"]!["outOfTime.$"]!.GetValue<string>().Should().Be("$.Payload.outOfTime");
    }

    [Fact]
    public void A_batch_out_of_time_is_recorded_as_failed_before_the_child_ends()
    {
        var child = Child();
        var choices = child["HasRemaining"]!["Choices"]!.AsArray();
        choices[0]!["Next"]!.GetValue<string>().Should().Be("BatchOutOfTime", "out of time is checked before calling again");
        choices[0]!["And"]!.ToJsonString().Should().Be("[{\"Variable\":\"$.Items[0]\",\"IsPresent\":true},{\"Variable\":\"$.outOfTime\",\"BooleanEquals\":true}]");
        choices[1]!["Next"]!.GetValue<string>().Should().Be("FetchBatch");

        var outOfTime = child["BatchOutOfTime"]!;
        outOfTime["ResultPath"]!.GetValue<string>().Should().Be("$.error");
        outOfTime["Result"]!["Error"]!.GetValue<string>().Should().Be("BatchOutOfTime");
        outOfTime["Next"]!.GetValue<string>().Should().Be("RecordBatchFailure");
        child["RecordBatchFailure"]!["Next"]!.GetValue<string>().Should().Be("BatchFailed");
        child["BatchFailed"]!["ErrorPath"]!.GetValue<string>().Should().Be("$.error.Error", "the map's results name why the batch failed");
    }

    [Fact]
    public void The_budget_and_the_worst_tail_after_it_stay_well_under_expresss_five_minutes()
    {
        // After the deadline: the invocation running at the deadline has ended (its time box ends there); a Lambda
        // service error may retry FetchBatch (each attempt starts no page), then RecordBatchFailure may retry. Every
        // backoff counts at its ceiling (full jitter only shortens it), read from the synthesized Retry.
        var child = Child();
        var fetchTail = WorstCaseSeconds(child["FetchBatch"]!, FetchAttemptAfterDeadlineSeconds);
        var recordTail = WorstCaseSeconds(child["RecordBatchFailure"]!, UpdateAttemptSeconds);

        fetchTail.Should().Be(47, "4 attempts x 10 s + backoff 1 + 2 + 4 s");
        recordTail.Should().Be(40, "5 attempts x 5 s + backoff 1 + 2 + 4 + 8 s");
        (Orchestrator.BatchBudgetSeconds + fetchTail + recordTail).Should().BeLessThanOrEqualTo(Orchestrator.ExpressLimitSeconds - 30,
            "the child ends at least 30 s before Express would stop it");
    }

    [Fact]
    public void Validation_only_accepts_batches_whose_pacing_fits_in_the_budget()
    {
        ApiPollerValidation.MaxBatchSeconds.Should().BeLessThan(Orchestrator.BatchBudgetSeconds, "a batch paced to take longer than the budget could never finish");
    }

    /// <summary>Every attempt of <paramref name="task"/>'s transient-error retrier at full length, every delay at its ceiling.</summary>
    private static double WorstCaseSeconds(JsonNode task, double attemptSeconds)
    {
        var retry = task["Retry"]!.AsArray().Single()!;
        var attempts = retry["MaxAttempts"]!.GetValue<int>();
        var delay = retry["IntervalSeconds"]!.GetValue<double>();
        var ceiling = retry["MaxDelaySeconds"]!.GetValue<double>();
        var total = attemptSeconds * (attempts + 1);
        for (var k = 0; k < attempts; k++)
        {
            total += Math.Min(delay, ceiling);
            delay *= retry["BackoffRate"]!.GetValue<double>();
        }

        return total;
    }
}
