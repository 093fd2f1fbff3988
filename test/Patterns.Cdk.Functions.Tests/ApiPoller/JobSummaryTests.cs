using Patterns.Cdk.Functions.ApiPoller.Progress;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class JobSummaryTests
{
    [Theory]
    [InlineData(nameof(JobStatus.Requested), "PENDING")]
    [InlineData(nameof(JobStatus.Planning), "PENDING")]
    [InlineData(nameof(JobStatus.Fetching), "RUNNING")]
    [InlineData(nameof(JobStatus.Failed), "FAILED")]
    public void The_state_follows_the_status_until_fetching_is_over(string status, string state) =>
        JobSummary.ApiName(Summary(Enum.Parse<JobStatus>(status), 10, new TaskCounts(0, 0, 10, 0, 0)).State).Should().Be(state);

    [Fact]
    public void While_fetching_unrecorded_pages_are_planned()
    {
        JobSummary summary = Summary(JobStatus.Fetching, 10, new TaskCounts(Saved: 2, Enqueued: 3, Completed: 1, FetchFailed: 1, ProcessingFailed: 0));

        summary.Planned.Should().Be(3);
        summary.NotFetched.Should().Be(0);
        summary.Progress.Should().BeApproximately(0.2, 1e-9);
    }

    [Fact]
    public void A_fetched_job_with_pages_still_in_flight_is_processing()
    {
        JobSummary summary = Summary(JobStatus.Fetched, 10, new TaskCounts(0, 4, 6, 0, 0));

        summary.State.Should().Be(JobState.Processing);
        summary.Progress.Should().BeApproximately(0.6, 1e-9);
    }

    [Fact]
    public void A_fetched_job_whose_pages_all_completed_is_completed()
    {
        JobSummary summary = Summary(JobStatus.Fetched, 10, new TaskCounts(0, 0, 10, 0, 0));

        summary.State.Should().Be(JobState.Completed);
        summary.Progress.Should().Be(1);
        summary.Planned.Should().Be(0);
        summary.NotFetched.Should().Be(0);
    }

    [Theory]
    [InlineData(1, 0, 0, 0)]
    [InlineData(0, 1, 0, 0)]
    [InlineData(0, 0, 1, 0)]
    [InlineData(0, 0, 0, 1)]
    public void Any_failure_makes_a_finished_job_completed_with_failures(long notFetched, long fetchFailed, long processingFailed, long failedBatches)
    {
        long completed = 10 - notFetched - fetchFailed - processingFailed;
        JobRecord job = Job(JobStatus.Fetched, 10) with { FailedBatches = failedBatches };

        JobSummary summary = new(job, new TaskCounts(0, 0, completed, fetchFailed, processingFailed));

        summary.State.Should().Be(JobState.CompletedWithFailures);
        summary.NotFetched.Should().Be(notFetched);
        summary.Progress.Should().Be(1);
    }

    [Fact]
    public void Pages_of_a_failed_batch_are_not_fetched_once_the_job_is_fetched()
    {
        JobSummary summary = Summary(JobStatus.Fetched, 250, new TaskCounts(0, 0, 225, 0, 0));

        summary.Planned.Should().Be(0);
        summary.NotFetched.Should().Be(25);
        summary.State.Should().Be(JobState.CompletedWithFailures);
        summary.Progress.Should().Be(1);
    }

    [Fact]
    public void A_cursor_job_without_a_total_has_no_planned_pages_and_no_progress_yet()
    {
        JobSummary summary = Summary(JobStatus.Fetching, null, new TaskCounts(3, 0, 7, 0, 0));

        summary.Planned.Should().Be(0);
        summary.Progress.Should().Be(0);
        summary.State.Should().Be(JobState.Running);
    }

    [Fact]
    public void An_empty_fetched_job_is_complete()
    {
        JobSummary summary = Summary(JobStatus.Fetched, 0, TaskCounts.Zero);

        summary.State.Should().Be(JobState.Completed);
        summary.Progress.Should().Be(1);
    }

    [Fact]
    public void Counts_add_up()
    {
        new TaskCounts(1, 2, 3, 4, 5).Add(new TaskCounts(10, 20, 30, 40, 50)).Should().Be(new TaskCounts(11, 22, 33, 44, 55));
        new TaskCounts(1, 2, 3, 4, 5).Recorded.Should().Be(15);
    }

    [Fact]
    public void State_names_are_the_contract_spelling() =>
        Enum.GetValues<JobState>().Select(JobSummary.ApiName)
            .Should().Equal("PENDING", "RUNNING", "PROCESSING", "COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED");

    private static JobSummary Summary(JobStatus status, long? totalPages, TaskCounts counts) => new(Job(status, totalPages), counts);

    private static JobRecord Job(JobStatus status, long? totalPages) => new()
    {
        JobId = "0123456789abcdef0123456789abcdef",
        Source = "orders",
        Parameters = "{}",
        Status = status,
        Trigger = "api",
        RequestHash = new string('0', 64),
        RequestedAt = "2025-01-01T00:00:00.000Z",
        TotalPages = totalPages,
    };
}
