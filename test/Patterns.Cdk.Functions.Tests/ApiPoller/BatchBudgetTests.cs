using FluentAssertions;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;
using Xunit;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>The batch child's budget as the page fetcher sees it: a deadline that bounds every invocation's time box.</summary>
public class BatchBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 16, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_time_box_ends_at_the_batch_deadline_when_that_comes_before_the_function_timeout()
    {
        var clock = new SteppingClock(Start + TimeSpan.FromSeconds(150));
        var box = new TimeBox(clock, TimeSpan.FromSeconds(120), deadline: Start + TimeSpan.FromSeconds(180));

        box.End.Should().Be(Start + TimeSpan.FromSeconds(180) - TimeBox.FinishReserve);
        box.BudgetEnd.Should().Be(box.End);
        box.HasTimeForPage(RequestTimeout).Should().BeTrue("27 s are left, 20 s are needed");
        box.BudgetSpent(RequestTimeout).Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(7.001));
        box.HasTimeForPage(RequestTimeout).Should().BeFalse();
        box.BudgetSpent(RequestTimeout).Should().BeTrue("no later invocation could start a page either");
    }

    [Fact]
    public void The_function_timeout_still_ends_an_invocation_early_in_the_budget_without_spending_it()
    {
        var clock = new SteppingClock(Start);
        var box = new TimeBox(clock, TimeSpan.FromSeconds(60), deadline: Start + TimeSpan.FromSeconds(180));

        box.End.Should().Be(Start + TimeSpan.FromSeconds(60) - TimeBox.FinishReserve);
        clock.Advance(TimeSpan.FromSeconds(45));
        box.HasTimeForPage(RequestTimeout).Should().BeFalse("this invocation is nearly over");
        box.BudgetSpent(RequestTimeout).Should().BeFalse("the next invocation has 132 s of the budget left");
    }

    [Fact]
    public void Without_a_deadline_the_budget_is_never_spent()
    {
        var clock = new SteppingClock(Start);
        var box = new TimeBox(clock, TimeSpan.FromSeconds(60));
        clock.Advance(TimeSpan.FromSeconds(59));

        box.BudgetEnd.Should().BeNull();
        box.BudgetSpent(RequestTimeout).Should().BeFalse();
    }

    [Fact]
    public void A_deadline_already_past_leaves_no_time_for_any_page()
    {
        var clock = new SteppingClock(Start + TimeSpan.FromSeconds(200));
        var box = new TimeBox(clock, TimeSpan.FromSeconds(120), deadline: Start + TimeSpan.FromSeconds(180));

        box.Remaining.Should().BeNegative();
        box.HasTimeForPage(TimeSpan.FromSeconds(1)).Should().BeFalse();
        box.BudgetSpent(TimeSpan.FromSeconds(1)).Should().BeTrue();
    }

    [Fact]
    public void The_deadline_is_the_childs_start_plus_the_budget()
    {
        PageFetcher.Deadline(Request(Start, 180)).Should().Be(Start + TimeSpan.FromMinutes(3));
        PageFetcher.Deadline(Request(null, null)).Should().BeNull("a caller without a budget keeps the function's time box alone");
    }

    [Theory]
    [InlineData(true, null, "come together")]
    [InlineData(false, 180, "come together")]
    [InlineData(true, 0, "between 1 and 300")]
    [InlineData(true, 301, "between 1 and 300")]
    [InlineData(true, -5, "between 1 and 300")]
    public void A_half_or_impossible_budget_is_bad_input(bool withStart, int? seconds, string reason)
    {
        Action read = () => PageFetcher.Deadline(Request(withStart ? Start : null, seconds));

        read.Should().Throw<BadInputException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void The_budget_fields_read_from_the_workflows_payload()
    {
        const string json = """{"Items":[{"page":3}],"BatchInput":{"jobId":"j","source":"s"},"batchStartedAt":"2026-12-04T16:00:00.123Z","batchBudgetSeconds":180}""";

        var request = System.Text.Json.JsonSerializer.Deserialize(json, FetchJsonContext.Default.FetchBatchRequest)!;

        request.BatchStartedAt.Should().Be(Start + TimeSpan.FromMilliseconds(123));
        request.BatchBudgetSeconds.Should().Be(180);
    }

    private static FetchBatchRequest Request(DateTimeOffset? startedAt, int? seconds) => new()
    {
        Items = [new PageItem { Page = 1 }],
        BatchInput = new BatchInput { JobId = "0123456789abcdef0123456789abcdef", Source = "orders" },
        BatchStartedAt = startedAt,
        BatchBudgetSeconds = seconds,
    };
}
