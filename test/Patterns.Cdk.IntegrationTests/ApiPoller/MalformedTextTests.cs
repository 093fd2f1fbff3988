using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// Partner pages or cursors that are not well-formed text (lone surrogates, invalid UTF-8) are the partner's bad data:
/// the page is FETCH_FAILED as MalformedJson after one request, never retried as transient, and the pages saved before
/// a failing invocation are still enqueued.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class MalformedTextTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    [Fact]
    public async Task A_page_with_a_lone_surrogate_in_an_item_fails_once_as_MalformedJson_and_the_other_pages_complete()
    {
        using var partner = new FakePartner(totalItems: 30);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" ? FakePartnerBehavior.Body("""{"total":30,"items":[{"id":11,"name":"x\ud800y"}]}""") : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        partner.RequestsWith("page", "2").Should().ContainSingle("malformed text is never retried");
        (await scenario.TasksAsync(jobId)).Select(t => (t.Page, t.State, t.Failure)).Should().Equal(
            (1, TaskState.Completed, null), (2, TaskState.FetchFailed, "MalformedJson"), (3, TaskState.Completed, null));
    }

    [Fact]
    public async Task A_cursor_with_a_lone_surrogate_ends_the_cursor_job_at_that_page_after_one_request()
    {
        using var partner = new FakePartner(totalItems: 450);
        partner.Script(r => r.Query.GetValueOrDefault("cursor") == "o100" ? FakePartnerBehavior.Body("""{"items":[{"id":1}],"next":"o200\udbff"}""") : null);
        using ApiPollerScenario scenario = await Scenario(partner, "Cursor", pageSize: 100);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        run.Cursor!.Done.Should().BeTrue();
        partner.Requests.Select(r => r.Query.GetValueOrDefault("cursor")).Should().Equal(null, "o100");
        (await scenario.TasksAsync(jobId)).Select(t => (t.Page, t.State, t.Failure)).Should().Equal(
            (1, TaskState.Completed, null), (2, TaskState.FetchFailed, "MalformedJson"));
    }

    [Fact]
    public async Task A_cursor_state_with_a_lone_surrogate_is_bad_input_before_any_request()
    {
        using var partner = new FakePartner(totalItems: 450);
        using ApiPollerScenario scenario = await Scenario(partner, "Cursor", pageSize: 100);
        string jobId = await scenario.RequestJobAsync("items");
        JobPlan plan = await scenario.PlanAsync(PlanPayload(jobId));
        int requestsAfterPlanning = partner.Requests.Count;
        string planJson = System.Text.Json.JsonSerializer.Serialize(plan, FetchJsonContext.Default.JobPlan);
        string payload = "{\"plan\":" + planJson + ""","cursor":{"cursor":"o\ud800","nextPage":2,"iteration":1,"generation":0,"done":false,"loopCheck":null}}""";

        Func<Task> fetch = () => scenario.CursorFetcher.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));

        (await fetch.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("not valid CursorRequest JSON");
        partner.Requests.Should().HaveCount(requestsAfterPlanning);
    }

    [Fact]
    public async Task Pages_saved_before_bad_input_in_the_same_invocation_are_still_enqueued()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);
        string jobId = await scenario.RequestJobAsync("items");
        await scenario.PlanAsync(PlanPayload(jobId));
        string payload = """{"Items":[{"page":2},{"page":3},{"page":0}],"BatchInput":{"jobId":"JOB","source":"items"}}""".Replace("JOB", jobId, StringComparison.Ordinal);

        Func<Task> fetch = () => scenario.Fetcher.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));

        await fetch.Should().ThrowAsync<BadInputException>();
        IReadOnlyList<TaskEntry> tasks = await scenario.TasksAsync(jobId);
        tasks.Where(t => t.Page is 2 or 3).Select(t => t.State).Should().Equal(TaskState.Enqueued, TaskState.Enqueued);
        (await scenario.DrainAsync(scenario.WorkQueueUrl)).Select(m => m.Body).Should().Contain(b => b.Contains("\"page\":2", StringComparison.Ordinal))
            .And.Contain(b => b.Contains("\"page\":3", StringComparison.Ordinal));
    }

    private static string PlanPayload(string jobId) =>
        $$"""{"input":{"jobId":"{{jobId}}","trigger":"api"},"executionId":"arn:aws:states:us-east-1:111122223333:execution:Orchestrator:{{jobId}}"}""";

    private async Task<ApiPollerScenario> Scenario(FakePartner partner, string pagination, int pageSize) =>
        await ApiPollerScenario.CreateAsync(emulators, output, partner, $"[{ApiPollerScenario.Source(partner, "items", pagination, pageSize)}]");
}
