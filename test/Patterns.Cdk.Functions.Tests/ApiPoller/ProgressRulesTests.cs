using Patterns.Cdk.Functions.ApiPoller.Progress;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class ProgressRulesTests
{
    [Theory]
    [InlineData(nameof(TaskState.Planned), 0, 0, "PLANNED")]
    [InlineData(nameof(TaskState.Saved), 10, 1, "SAVED")]
    [InlineData(nameof(TaskState.Enqueued), 20, 2, "ENQUEUED")]
    [InlineData(nameof(TaskState.Completed), 30, 3, "COMPLETED")]
    [InlineData(nameof(TaskState.FetchFailed), 31, 3, "FETCH_FAILED")]
    [InlineData(nameof(TaskState.ProcessingFailed), 32, 3, "PROCESSING_FAILED")]
    public void Task_states_have_the_contract_codes_ranks_and_names(string member, int code, int rank, string name)
    {
        TaskState state = Enum.Parse<TaskState>(member);
        state.Code().Should().Be(code);
        state.Rank().Should().Be(rank);
        state.ToApiName().Should().Be(name);
        state.IsTerminal().Should().Be(rank == 3);
        TaskStateRules.TryFromCode(code, out TaskState parsed).Should().BeTrue();
        parsed.Should().Be(state);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(33)]
    [InlineData(-10)]
    public void Unknown_state_codes_are_not_read_as_states(int code) =>
        TaskStateRules.TryFromCode(code, out _).Should().BeFalse();

    [Fact]
    public void Counters_are_the_contract_attributes()
    {
        TaskStateRules.Recorded.Select(s => s.CounterAttribute())
            .Should().Equal("saved", "enqueued", "completed", "fetchFailed", "processingFailed");
        TaskState.Planned.CounterAttribute().Should().BeNull();
    }

    [Theory]
    [InlineData(nameof(JobStatus.Requested), 0, "REQUESTED")]
    [InlineData(nameof(JobStatus.Planning), 1, "PLANNING")]
    [InlineData(nameof(JobStatus.Fetching), 2, "FETCHING")]
    [InlineData(nameof(JobStatus.Fetched), 3, "FETCHED")]
    [InlineData(nameof(JobStatus.Failed), 3, "FAILED")]
    public void Job_statuses_have_the_contract_ranks_and_names(string member, int rank, string name)
    {
        JobStatus status = Enum.Parse<JobStatus>(member);
        status.Rank().Should().Be(rank);
        status.ToStoredName().Should().Be(name);
        JobStatusRules.TryParse(name, out JobStatus parsed).Should().BeTrue();
        parsed.Should().Be(status);
    }

    [Fact]
    public void A_job_moves_only_from_lower_ranks()
    {
        JobStatus.Planning.Predecessors().Should().Equal(JobStatus.Requested);
        JobStatus.Fetching.Predecessors().Should().Equal(JobStatus.Requested, JobStatus.Planning);
        JobStatus.Fetched.Predecessors().Should().Equal(JobStatus.Requested, JobStatus.Planning, JobStatus.Fetching);
        JobStatus.Failed.Predecessors().Should().NotContain(JobStatus.Fetched, "FETCHED and FAILED are both final");
        JobStatusRules.TryParse("fetched", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData(1, "B#00000000", "p1", "f1")]
    [InlineData(100, "B#00000000", "p100", "f100")]
    [InlineData(101, "B#00000001", "p101", "f101")]
    [InlineData(1_000_000, "B#00009999", "p1000000", "f1000000")]
    public void Pages_map_to_groups_of_one_hundred(int page, string sortKey, string state, string failure)
    {
        ProgressTable.GroupSortKey(ProgressTable.Group(page)).Should().Be(sortKey);
        ProgressTable.PageAttribute(page).Should().Be(state);
        ProgressTable.FailureAttribute(page).Should().Be(failure);
    }

    [Fact]
    public void Timestamps_are_iso_8601_utc_with_milliseconds()
    {
        ProgressTable.Timestamp(new DateTimeOffset(2025, 3, 14, 16, 9, 26, 535, TimeSpan.FromHours(1))).Should().Be("2025-03-14T15:09:26.535Z");
    }

    [Fact]
    public void Ttl_is_epoch_seconds_days_ahead()
    {
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        new ProgressSettings("t", 30).ExpiresAt(now).Should().Be(now.ToUnixTimeSeconds() + (30 * 86_400));
    }
}
