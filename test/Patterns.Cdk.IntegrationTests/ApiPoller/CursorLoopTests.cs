using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// A cursor partner that never ends (it hands back a cursor it already returned) fails the job with the reason, after the
/// pages fetched so far are enqueued, instead of being fetched until maxPages and reported as a success.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class CursorLoopTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const string OnePage = """{"total":450,"items":[{"id":1,"name":"a","value":1}],"next":"CURSOR"}""";

    [Fact]
    public async Task A_partner_that_hands_back_the_cursor_it_was_given_fails_the_job_with_the_reason_on_the_second_page()
    {
        using var partner = new FakePartner(totalItems: 450);
        partner.Script(r => r.Query.GetValueOrDefault("cursor") == "o100" ? FakePartnerBehavior.Body(OnePage.Replace("CURSOR", "o100", StringComparison.Ordinal)) : null);
        using ApiPollerScenario scenario = await Scenario(partner);
        string jobId = await scenario.RequestJobAsync("items");

        Func<Task> run = () => scenario.RunJobAsync(jobId);

        (await run.Should().ThrowAsync<PartnerCursorLoopException>()).Which.Message.Should().StartWith("CursorLoop: page 2 returned the same cursor as page 1");
        partner.Requests.Select(r => r.Query.GetValueOrDefault("cursor")).Should().Equal(null, "o100");
        JobRecord job = (await scenario.Progress.GetJobAsync(jobId))!;
        job.Status.Should().Be(JobStatus.Failed);
        job.Error.Should().StartWith("CursorLoop: page 2 returned the same cursor as page 1");
        job.TotalPages.Should().BeNull("a looping partner has no last page");
        (await scenario.TasksAsync(jobId)).Select(t => (t.Page, t.State)).Should().Equal((1, TaskState.Enqueued), (2, TaskState.Enqueued));
        await scenario.DriveConsumerAsync();
        (await scenario.TasksAsync(jobId)).Should().OnlyContain(t => t.State == TaskState.Completed, "the pages fetched before the loop are not orphaned");
    }

    [Fact]
    public async Task A_cycle_through_several_cursors_across_invocations_fails_the_job_when_the_first_cursor_comes_back()
    {
        using var partner = new FakePartner(totalItems: 450);
        partner.Script(r => r.Query.GetValueOrDefault("cursor") == "o300"
            ? FakePartnerBehavior.Body(OnePage.Replace("CURSOR", "o100", StringComparison.Ordinal))
            : FakePartnerBehavior.Slow(TimeSpan.FromMilliseconds(400)));
        using ApiPollerScenario scenario = await Scenario(partner, extra: ""","requestTimeoutSeconds":1""", functionTimeout: TimeSpan.FromSeconds(5.6));
        string jobId = await scenario.RequestJobAsync("items");

        Func<Task> run = () => scenario.RunJobAsync(jobId);

        (await run.Should().ThrowAsync<PartnerCursorLoopException>()).Which.Message.Should().StartWith("CursorLoop: page 4 returned the same cursor as page 1, so the partner would repeat pages 2-4 forever");
        partner.Requests.Select(r => r.Query.GetValueOrDefault("cursor")).Should().Equal(null, "o100", "o200", "o300");
        (await scenario.Progress.GetJobAsync(jobId))!.Status.Should().Be(JobStatus.Failed);
        (await scenario.TasksAsync(jobId)).Select(t => t.State).Should().Equal(Enumerable.Repeat(TaskState.Enqueued, 4));
        output.WriteLine($"MEASURED cursor loop: found on page 4 of a 3-cursor cycle, {partner.Requests.Count} partner requests");
    }

    [Fact]
    public async Task A_partner_whose_cursors_never_repeat_still_ends_at_its_last_page()
    {
        using var partner = new FakePartner(totalItems: 450);
        using ApiPollerScenario scenario = await Scenario(partner);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);

        run.Cursor!.Done.Should().BeTrue();
        run.Cursor.LoopCheck.Should().BeNull("a finished job carries no check");
        (await scenario.Progress.GetJobAsync(jobId))!.Status.Should().Be(JobStatus.Fetched);
    }

    private async Task<ApiPollerScenario> Scenario(FakePartner partner, string extra = "", TimeSpan? functionTimeout = null) =>
        await ApiPollerScenario.CreateAsync(emulators, output, partner, $"[{ApiPollerScenario.Source(partner, "items", "Cursor", 100, extra)}]", functionTimeout: functionTimeout);
}
