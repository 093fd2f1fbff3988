using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Workflow;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class CursorLoopCheckTests
{
    [Fact]
    public void A_partner_that_returns_the_same_cursor_again_is_caught_on_the_second_page()
    {
        (int Page, int Earlier)? repeat = FirstRepeat(Enumerable.Repeat("same", 10));

        repeat.Should().Be((2, 1));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(0, 3)]
    [InlineData(5, 7)]
    [InlineData(40, CursorLoopCheck.RecentCapacity)]
    public void A_short_cycle_is_caught_on_the_first_repeated_cursor(int tail, int period)
    {
        (int Page, int Earlier)? repeat = FirstRepeat(Cycle(tail, period));

        repeat.Should().Be((tail + period + 1, tail + 1), "the cursor of page tail+period+1 is the one page tail+1 returned");
    }

    [Theory]
    [InlineData(0, CursorLoopCheck.RecentCapacity + 1)]
    [InlineData(3, 100)]
    [InlineData(1000, 777)]
    [InlineData(10, 5000)]
    public void A_cycle_longer_than_the_recent_window_is_caught_within_three_times_its_length(int tail, int period)
    {
        (int Page, int Earlier)? repeat = FirstRepeat(Cycle(tail, period));

        repeat.Should().NotBeNull();
        (int page, int earlier) = repeat!.Value;
        ((page - earlier) % period).Should().Be(0, "the two pages returned the same cursor");
        earlier.Should().BeGreaterThan(tail);
        page.Should().BeLessThanOrEqualTo((2 * (tail + period)) + period, "the anchor sits in the cycle by page 2 x (tail + period) with a power >= period");
    }

    [Fact]
    public void Distinct_cursors_are_never_taken_for_a_loop_and_the_state_stays_small()
    {
        CursorLoopCheck check = CursorLoopCheck.Empty;
        for (int page = 1; page <= 200_000; page++)
        {
            (check, int? repeatOf) = check.Observe(page, $"cursor-{page}-{new string('x', page % 50)}");
            repeatOf.Should().BeNull();
        }

        check.Recent.Should().HaveCount(CursorLoopCheck.RecentCapacity);
        JsonSerializer.Serialize(check, FetchJsonContext.Default.CursorProgress.Options).Length.Should().BeLessThan(1200, "the check rides in a 256 KB state");
    }

    [Fact]
    public void The_check_survives_the_trip_through_the_workflow_state_between_invocations()
    {
        // Each "invocation" fetches 3 pages; the state is serialized as the workflow carries it (also through ContinueAsNew).
        string[] cursors = [.. Cycle(4, 50).Take(200)];
        CursorLoopCheck? carried = null;
        int? found = null;
        for (int page = 1; page <= cursors.Length && found is null; page++)
        {
            CursorLoopCheck check = carried ?? CursorLoopCheck.Empty;
            (check, int? repeatOf) = check.Observe(page, cursors[page - 1]);
            found = repeatOf is null ? null : page;
            var progress = new CursorProgress { Cursor = cursors[page - 1], NextPage = page + 1, Iteration = 0, Generation = 0, Done = false, LoopCheck = check };
            carried = page % 3 == 0
                ? JsonSerializer.Deserialize(JsonSerializer.Serialize(progress, FetchJsonContext.Default.CursorProgress), FetchJsonContext.Default.CursorProgress)!.LoopCheck
                : check;
        }

        found.Should().NotBeNull().And.BeLessThanOrEqualTo((2 * 54) + 50);
    }

    [Fact]
    public void Cursors_that_differ_only_in_case_or_unicode_form_are_different_cursors()
    {
        FirstRepeat(["abc", "ABC", "é", "e\u0301", "abc "]).Should().BeNull();
    }

    private static (int Page, int Earlier)? FirstRepeat(IEnumerable<string> cursors)
    {
        CursorLoopCheck check = CursorLoopCheck.Empty;
        int page = 0;
        foreach (string cursor in cursors)
        {
            page++;
            (check, int? repeatOf) = check.Observe(page, cursor);
            if (repeatOf is { } earlier)
            {
                return (page, earlier);
            }
        }

        return null;
    }

    // tail distinct cursors, then a cycle of `period` cursors repeated forever (bounded here for the test).
    private static IEnumerable<string> Cycle(int tail, int period)
    {
        for (int i = 0; i < tail; i++)
        {
            yield return $"t{i}";
        }

        for (int i = 0; i < 10 * (tail + period) + 100; i++)
        {
            yield return $"c{i % period}";
        }
    }
}
