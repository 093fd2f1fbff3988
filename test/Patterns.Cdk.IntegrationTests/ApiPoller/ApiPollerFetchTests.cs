using System.Text.Json;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// The planner, the fetchers and the consumer on the emulators against a fake partner on loopback: every pagination
/// strategy, every failure class the partner can produce, and the consumer's completion, failure and duplicate paths.
/// Measured numbers (requests per page, waits honoured) are written to the test output.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class ApiPollerFetchTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Since = new() { ["since"] = "2024-01-01" };

    [Fact]
    public async Task A_page_number_job_fetches_each_page_once_and_every_page_completes()
    {
        using var partner = new FakePartner(totalItems: 250);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 25);
        string jobId = await scenario.RequestJobAsync("items", Since);

        JobRun run = await scenario.RunJobAsync(jobId);
        List<Message> pointers = await PeekPointersAsync(scenario);
        await scenario.DriveConsumerAsync();

        run.Plan.Mode.Should().Be(PlanModes.Fanout);
        run.Plan.TotalPages.Should().Be(10);
        run.Invocations.Should().Be(3, "10 pages in batches of 4");
        partner.Requests.Should().HaveCount(11, "one request to read the total, then one per page");
        partner.Requests.Skip(1).Select(r => r.Query["page"]).Should().BeEquivalentTo(Enumerable.Range(1, 10).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        partner.Requests.Should().OnlyContain(r => r.Headers["Authorization"] == ApiPollerScenario.SecretValue && r.Query["since"] == "2024-01-01" && r.Query["pageSize"] == "25");
        (await scenario.PageKeysAsync(jobId)).Should().Equal(Enumerable.Range(1, 10).Select(p => PageStore.PageKey(jobId, p)));
        pointers.Should().HaveCount(10);
        Message first = pointers.Single(m => m.MessageAttributes["taskId"].StringValue == $"{jobId}/1");
        first.MessageAttributes["jobId"].StringValue.Should().Be(jobId);
        first.MessageAttributes["source"].StringValue.Should().Be("items");
        using (JsonDocument body = JsonDocument.Parse(first.Body))
        {
            body.RootElement.GetProperty("key").GetString().Should().Be(PageStore.PageKey(jobId, 1));
            body.RootElement.GetProperty("bucket").GetString().Should().Be(scenario.Bucket);
            body.RootElement.GetProperty("page").GetInt32().Should().Be(1);
            body.RootElement.GetProperty("bytes").GetInt64().Should().BeGreaterThan(0);
        }

        JobSummary summary = (await scenario.SummaryAsync(jobId))!;
        summary.Counts.Completed.Should().Be(10);
        summary.Counts.Recorded.Should().Be(10);
        summary.State.Should().Be(JobState.Completed);
        scenario.LogText.Should().NotContain("s3cr3t");
        output.WriteLine($"MEASURED page-number job: {partner.Requests.Count} partner requests for {run.Plan.TotalPages} pages (1 to read the total + 1.00 per page); {run.Invocations} fetcher invocations");
    }

    [Fact]
    public async Task An_offset_job_asks_for_whole_pages_by_offset()
    {
        using var partner = new FakePartner(totalItems: 95);
        using ApiPollerScenario scenario = await Scenario(partner, "OffsetLimit", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        run.Plan.TotalPages.Should().Be(5);
        partner.Requests.Skip(1).Select(r => (r.Query["offset"], r.Query["limit"])).Should().Equal(
            ("0", "20"), ("20", "20"), ("40", "20"), ("60", "20"), ("80", "20"));
        (await scenario.SummaryAsync(jobId))!.Counts.Completed.Should().Be(5);
        string last = await scenario.ObjectTextAsync(PageStore.PageKey(jobId, 5));
        JsonDocument.Parse(last).RootElement.GetProperty("items").GetArrayLength().Should().Be(15);
    }

    [Fact]
    public async Task A_cursor_job_carries_the_cursor_from_page_to_page_until_the_last()
    {
        using var partner = new FakePartner(totalItems: 450); // the demo's default page of 100 items: 5 pages
        using ApiPollerScenario scenario = await Scenario(partner, "Cursor", pageSize: 100);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        run.Plan.Mode.Should().Be(PlanModes.Cursor);
        run.Cursor!.Done.Should().BeTrue();
        run.Cursor.NextPage.Should().Be(6);
        partner.Requests.Select(r => r.Query.GetValueOrDefault("cursor")).Should().Equal(null, "o100", "o200", "o300", "o400");
        JobRecord job = (await scenario.Progress.GetJobAsync(jobId))!;
        job.TotalPages.Should().Be(5);
        JobSummary summary = (await scenario.SummaryAsync(jobId))!;
        summary.Counts.Completed.Should().Be(5);
        summary.State.Should().Be(JobState.Completed);
        output.WriteLine($"MEASURED cursor job: {partner.Requests.Count} partner requests for 5 pages in {run.Invocations} fetcher invocation(s)");
    }

    [Fact]
    public async Task An_empty_source_plans_no_page()
    {
        using var partner = new FakePartner(totalItems: 0);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 25);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);

        run.Plan.Mode.Should().Be(PlanModes.Empty);
        run.Plan.TotalPages.Should().Be(0);
        run.Plan.ManifestKey.Should().BeNull();
        partner.Requests.Should().ContainSingle();
        JobSummary summary = (await scenario.SummaryAsync(jobId))!;
        summary.State.Should().Be(JobState.Completed);
        summary.Job.TotalPages.Should().Be(0);
    }

    [Fact]
    public async Task A_second_start_of_the_same_job_is_a_duplicate()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);
        string jobId = await scenario.RequestJobAsync("items");
        await scenario.RunJobAsync(jobId);

        JobRun again = await scenario.RunJobAsync(jobId);

        again.Plan.Mode.Should().Be(PlanModes.Duplicate);
        partner.Requests.Should().HaveCount(4, "the duplicate fetched nothing");
    }

    [Fact]
    public async Task Of_two_executions_started_for_one_job_only_the_first_to_reach_planning_fetches()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);
        string jobId = await scenario.RequestJobAsync("items");
        const string first = "arn:aws:states:us-east-1:111122223333:execution:Orchestrator:first";
        const string second = "arn:aws:states:us-east-1:111122223333:execution:Orchestrator:second";
        string Payload(string executionId) => $$"""{"input":{"jobId":"{{jobId}}","trigger":"api"},"executionId":"{{executionId}}"}""";

        // The pipe delivered the job twice: the first execution has taken it to PLANNING and is still planning.
        (await scenario.Progress.MoveJobAsync(jobId, JobStatus.Planning, owner: first)).Outcome.Should().Be(JobMoveOutcome.Moved);

        JobPlan other = await scenario.PlanAsync(Payload(second));
        JobPlan ownRetry = await scenario.PlanAsync(Payload(first));
        JobPlan ownRetryAfterFetching = await scenario.PlanAsync(Payload(first));
        JobPlan otherAfterFetching = await scenario.PlanAsync(Payload(second));

        other.Mode.Should().Be(PlanModes.Duplicate, "the job is being planned by the first execution");
        ownRetry.Mode.Should().Be(PlanModes.Fanout, "a retried PlanJob of the owning execution plans again");
        ownRetryAfterFetching.Mode.Should().Be(PlanModes.Fanout, "the owner's retry after its FETCHING write (response lost) still plans");
        ownRetryAfterFetching.ManifestKey.Should().Be(ownRetry.ManifestKey);
        otherAfterFetching.Mode.Should().Be(PlanModes.Duplicate);
        (await scenario.Progress.GetJobAsync(jobId))!.PlannedBy.Should().Be(first);
    }

    [Fact]
    public async Task A_worker_spaces_its_requests_to_its_share_of_the_source_rate()
    {
        using var partner = new FakePartner(totalItems: 40);
        // 10 requests per second shared by up to 2 concurrent workers: one request every 200 ms per worker.
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10, extra: ""","requestsPerSecond":10,"maxConcurrency":2""");
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);

        List<TimeSpan> batch = partner.Requests.Skip(1).Select(r => r.At).ToList(); // pages 1-4: one batch, one worker
        List<double> gaps = batch.Zip(batch.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        gaps.Should().HaveCount(3);

        // Starts are booked 200 ms apart; arrivals add each request's own latency, so the span is checked with some slack.
        gaps.Sum().Should().BeGreaterThanOrEqualTo(560, "3 intervals of 200 ms between the 4 requests of one worker");
        output.WriteLine($"MEASURED pacing at 10 rps / 2 workers: gaps between one worker's requests {string.Join(", ", gaps.Select(g => g.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    }

    [Fact]
    public async Task A_server_error_then_success_costs_one_retry()
    {
        using var partner = new FakePartner(totalItems: 100);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "3" && r.Attempt == 1 ? FakePartnerBehavior.Status(503) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        partner.RequestsWith("page", "3").Should().HaveCount(2);
        partner.RequestsWith("page", "4").Should().HaveCount(1);
        (await scenario.SummaryAsync(jobId))!.Counts.Completed.Should().Be(5);
        scenario.Waits.Should().ContainSingle().Which.Should().BeLessThan(TimeSpan.FromMilliseconds(500), "the first backoff is full jitter under 500 ms");
        output.WriteLine($"MEASURED 5xx then success: page 3 took {partner.RequestsWith("page", "3").Count} requests, backoff {scenario.Waits[0].TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_throttle_waits_the_retry_after_before_asking_again()
    {
        using var partner = new FakePartner(totalItems: 60);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" && r.Attempt == 1 ? FakePartnerBehavior.Status(429, retryAfter: "2") : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);

        IReadOnlyList<FakePartnerRequest> page2 = partner.RequestsWith("page", "2");
        page2.Should().HaveCount(2);
        TimeSpan gap = page2[1].At - page2[0].At;
        // The partner stamps arrivals; timers may fire up to a tick early, hence the few milliseconds of slack.
        gap.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1985)).And.BeLessThan(TimeSpan.FromSeconds(3));
        scenario.Waits.Should().Equal(TimeSpan.FromSeconds(2));
        (await scenario.SummaryAsync(jobId))!.Counts.Enqueued.Should().Be(3);
        output.WriteLine($"MEASURED 429 Retry-After: 2: the partner saw the retry {gap.TotalMilliseconds:0} ms after the throttled request");
    }

    [Fact]
    public async Task A_throttle_asking_more_than_the_bound_is_recorded_as_Throttled()
    {
        using var partner = new FakePartner(totalItems: 40);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" ? FakePartnerBehavior.Status(429, retryAfter: "600") : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20, extra: ""","maxRetryAfterSeconds":30""");
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);

        partner.RequestsWith("page", "2").Should().ContainSingle();
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 2).Should().Be(new TaskEntry(2, TaskState.FetchFailed, "Throttled"));
    }

    [Fact]
    public async Task A_not_found_page_is_not_retried_and_is_recorded_as_FETCH_FAILED()
    {
        using var partner = new FakePartner(totalItems: 80);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" ? FakePartnerBehavior.Status(404) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);
        await scenario.DriveConsumerAsync();

        partner.RequestsWith("page", "2").Should().ContainSingle();
        run.Failed.Should().Be(1);
        run.Fetched.Should().Be(3);
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 2).Should().Be(new TaskEntry(2, TaskState.FetchFailed, "ClientError:404"));
        JobSummary summary = (await scenario.SummaryAsync(jobId))!;
        summary.Counts.Should().Be(new TaskCounts(0, 0, 3, 1, 0));
        summary.State.Should().Be(JobState.CompletedWithFailures);
        (await scenario.PageKeysAsync(jobId)).Should().NotContain(PageStore.PageKey(jobId, 2));
    }

    [Fact]
    public async Task Malformed_json_is_recorded_and_never_saved()
    {
        using var partner = new FakePartner(totalItems: 60);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "3" ? FakePartnerBehavior.Malformed : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);

        partner.RequestsWith("page", "3").Should().ContainSingle();
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 3).Failure.Should().Be("MalformedJson");
        (await scenario.PageKeysAsync(jobId)).Should().HaveCount(2);
    }

    [Fact]
    public async Task A_huge_page_is_cut_off_at_the_limit_and_recorded_as_PageTooLarge()
    {
        using var partner = new FakePartner(totalItems: 40);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" ? FakePartnerBehavior.Huge(200L * 1024 * 1024) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20, extra: ""","maxPageBytes":1048576""");
        string jobId = await scenario.RequestJobAsync("items");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await scenario.RunJobAsync(jobId);

        partner.RequestsWith("page", "2").Should().ContainSingle();
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 2).Failure.Should().Be("PageTooLarge");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the 200 MB page is abandoned after 1 MB, not read to the end");
        output.WriteLine($"MEASURED huge page: 200 MB offered, abandoned at the 1 MiB limit; job run took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_large_page_streams_to_s3_without_being_held_in_memory()
    {
        const long PageBytes = 10_000_000; // fauxqs accepts request bodies up to 11 MiB (S3 itself takes 5 GB in one PUT)
        using var partner = new FakePartner(totalItems: 20);
        // The planner's request for the total is page 1's first request; the fetcher's is the second.
        partner.Script(r => r.Query.GetValueOrDefault("page") == "1" && r.Attempt > 1 ? FakePartnerBehavior.Huge(PageBytes) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20, extra: ""","maxPageBytes":10485760""");
        string jobId = await scenario.RequestJobAsync("items");

        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await scenario.RunJobAsync(jobId);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        long head = await scenario.ObjectLengthAsync(PageStore.PageKey(jobId, 1));
        head.Should().Be(PageBytes);
        allocated.Should().BeLessThan(PageBytes / 2, "the page goes partner -> 64 KiB buffer -> /tmp file -> S3, never whole in memory");
        output.WriteLine($"MEASURED large page: {head / 1024.0 / 1024.0:0.0} MiB saved; {allocated / 1024.0 / 1024.0:0.0} MiB allocated in this process during the whole job (fake partner, emulator clients and handlers together)");
    }

    [Fact]
    public async Task A_slow_partner_times_out_each_attempt_and_the_page_is_recorded_as_Timeout()
    {
        using var partner = new FakePartner(totalItems: 40);
        partner.Script(r => r.Query.GetValueOrDefault("page") == "2" ? FakePartnerBehavior.Slow(TimeSpan.FromSeconds(4)) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20, extra: ""","requestTimeoutSeconds":1,"maxAttempts":2""");
        string jobId = await scenario.RequestJobAsync("items");

        await scenario.RunJobAsync(jobId);

        partner.RequestsWith("page", "2").Should().HaveCount(2);
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 2).Failure.Should().Be("Timeout");
        (await scenario.TasksAsync(jobId)).Single(t => t.Page == 1).State.Should().Be(TaskState.Enqueued);
    }

    [Fact]
    public async Task A_failing_consumer_records_PROCESSING_FAILED_on_the_last_receive_only()
    {
        var processor = new ScriptedProcessor(fail: true);
        using var partner = new FakePartner(totalItems: 10);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10, processor: processor);
        processor.Scenario = scenario;
        string jobId = await scenario.RequestJobAsync("items");
        await scenario.RunJobAsync(jobId);

        await scenario.DriveConsumerAsync();

        processor.Calls.Should().Be(ApiPollerScenario.MaxReceiveCount);
        processor.StatesSeen.Should().Equal(TaskState.Enqueued, TaskState.Enqueued, TaskState.Enqueued);
        (await scenario.TasksAsync(jobId)).Single().Should().Be(new TaskEntry(1, TaskState.ProcessingFailed, "ProcessingFailed"));
        (await scenario.DrainAsync(scenario.DeadLetterQueueUrl)).Should().ContainSingle();
        JobSummary summary = (await scenario.SummaryAsync(jobId))!;
        summary.Counts.Should().Be(new TaskCounts(0, 0, 0, 0, 1));
        summary.State.Should().Be(JobState.CompletedWithFailures);
    }

    [Fact]
    public async Task A_duplicate_delivery_of_a_completed_page_is_a_no_op()
    {
        var processor = new ScriptedProcessor(fail: false);
        using var partner = new FakePartner(totalItems: 20);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10, processor: processor);
        string jobId = await scenario.RequestJobAsync("items");
        await scenario.RunJobAsync(jobId);
        List<Message> pointers = await PeekPointersAsync(scenario);
        await scenario.DriveConsumerAsync();
        processor.Calls.Should().Be(2);

        await scenario.SendAsync(pointers[0].Body);
        await scenario.DriveConsumerAsync();

        processor.Calls.Should().Be(2, "the page was already COMPLETED");
        (await scenario.SummaryAsync(jobId))!.Counts.Should().Be(new TaskCounts(0, 0, 2, 0, 0));
        scenario.LogText.Should().Contain("duplicate delivery of a finished page");
    }

    [Fact]
    public async Task The_bundled_processor_counts_the_items_of_each_page_without_logging_them()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 20);
        string jobId = await scenario.RequestJobAsync("items");
        await scenario.RunJobAsync(jobId);

        await scenario.DriveConsumerAsync();

        List<JsonElement> processed = scenario.LogText.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .Where(line => line.GetProperty("message").GetString() == "page processed")
            .ToList();
        processed.Select(line => line.GetProperty("items").GetInt64()).Should().BeEquivalentTo([20L, 10L]);
        scenario.LogText.Should().NotContain("item-000001");
    }

    [Fact]
    public async Task A_scheduled_run_creates_its_job_once_and_a_repeated_delivery_is_a_duplicate()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);

        JobRun first = await scenario.RunScheduleAsync("nightly", "items", "2025-03-14T02:00:00Z", """{"since":"2025-03-13"}""");
        JobRun again = await scenario.RunScheduleAsync("nightly", "items", "2025-03-14T02:00:00Z", """{"since":"2025-03-13"}""");

        first.Plan.Mode.Should().Be(PlanModes.Fanout);
        first.Plan.JobId.Should().Be(JobIds.FromSchedule("nightly", "2025-03-14T02:00:00Z"));
        again.Plan.Mode.Should().Be(PlanModes.Duplicate);
        again.Plan.JobId.Should().Be(first.Plan.JobId);
        JobRecord job = (await scenario.Progress.GetJobAsync(first.Plan.JobId))!;
        job.Trigger.Should().Be(ProgressTable.TriggerSchedule);
        job.Parameters.Should().Be("""{"since":"2025-03-13"}""");
        partner.Requests.Skip(1).Should().OnlyContain(r => r.Query["since"] == "2025-03-13");
    }

    [Theory]
    [InlineData("""{"input":{"jobId":"0123456789abcdef0123456789abcdef","trigger":"api"}}""", "unknown job")]
    [InlineData("""{"input":{"jobId":"../../etc","trigger":"api"}}""", "32 lowercase hex")]
    [InlineData("""{"input":{"schedule":{"name":"n","source":"nope"},"scheduledTime":"t","trigger":"schedule"}}""", "unknown source")]
    [InlineData("""{"input":{"schedule":{"name":"n","source":"items","parameters":{"since":"yesterday"}},"scheduledTime":"t","trigger":"schedule"}}""", "does not match")]
    [InlineData("""{"input":{"trigger":"api"}}""", "neither a jobId nor a schedule")]
    public async Task The_planner_rejects_bad_input_without_calling_the_partner(string payload, string reason)
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);

        Func<Task> plan = () => scenario.PlanAsync(payload);

        (await plan.Should().ThrowAsync<Patterns.Cdk.Functions.Shared.BadInputException>()).Which.Reason.Should().Contain(reason);
        partner.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_batch_whose_budget_is_spent_starts_no_page_and_says_it_is_out_of_time()
    {
        using var partner = new FakePartner(totalItems: 30);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10, extra: ""","requestTimeoutSeconds":1""");
        string jobId = await scenario.RequestJobAsync("items");
        JobPlan plan = await scenario.PlanJobAsync(jobId);
        int planningRequests = partner.Requests.Count;
        PageItem[] items = [new() { Page = 1 }, new() { Page = 2 }, new() { Page = 3 }];
        FetchBatchRequest Batch(TimeSpan sinceStart) => new()
        {
            Items = items,
            BatchInput = new BatchInput { JobId = plan.JobId, Source = plan.Source },
            BatchStartedAt = DateTimeOffset.UtcNow - sinceStart,
            BatchBudgetSeconds = 180,
        };

        // 178 s into a 180 s budget: less than the 3 s finish reserve is left, let alone 2 x the 1 s request timeout.
        FetchBatchResult spent = await scenario.FetchBatchAsync(Batch(TimeSpan.FromSeconds(178)));
        FetchBatchResult fresh = await scenario.FetchBatchAsync(Batch(TimeSpan.Zero));

        spent.OutOfTime.Should().BeTrue();
        spent.Remaining.Select(p => p.Page).Should().Equal(1, 2, 3);
        spent.Fetched.Should().Be(0);
        partner.Requests.Count.Should().Be(planningRequests + 3, "only the fresh batch reached the partner, one request per page");
        fresh.OutOfTime.Should().BeFalse();
        fresh.Remaining.Should().BeEmpty();
        fresh.Fetched.Should().Be(3);
    }

    [Fact]
    public async Task A_fetcher_out_of_time_hands_the_pages_not_started_back_and_each_page_is_fetched_once()
    {
        using var partner = new FakePartner(totalItems: 60);
        partner.Script(r => r.Query.ContainsKey("page") && r.Attempt == (r.Query["page"] == "1" ? 2 : 1) ? FakePartnerBehavior.Slow(TimeSpan.FromMilliseconds(400)) : null);

        // 5.6 s function timeout - 3 s reserve = 2.6 s of work; a page needs 2 x 1 s left to start, and each takes 0.4 s (well within the 1 s timeout, even on a busy machine).
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10, extra: ""","requestTimeoutSeconds":1""", functionTimeout: TimeSpan.FromSeconds(5.6));
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);

        run.Remaining.Should().Contain(remaining => remaining > 0, "a batch of 4 pages of 0.4 s does not fit in 2.6 s with 2 s kept free");
        run.Fetched.Should().Be(6);
        Enumerable.Range(2, 5).Should().OnlyContain(page => partner.RequestsWith("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)).Count == 1);
        (await scenario.SummaryAsync(jobId))!.Counts.Enqueued.Should().Be(6);
        output.WriteLine($"MEASURED time box: remaining per invocation {string.Join(", ", run.Remaining)} over {run.Invocations} invocations");
    }

    [Fact]
    public async Task A_cursor_job_longer_than_one_time_box_carries_the_cursor_across_invocations()
    {
        using var partner = new FakePartner(totalItems: 450);
        partner.Script(_ => FakePartnerBehavior.Slow(TimeSpan.FromMilliseconds(400)));
        using ApiPollerScenario scenario = await Scenario(partner, "Cursor", pageSize: 100, extra: ""","requestTimeoutSeconds":1""", functionTimeout: TimeSpan.FromSeconds(5.6));
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);

        run.Invocations.Should().BeGreaterThan(1, "0.4 s pages in a 2.6 s box with 2 s kept free");
        run.Cursor!.Should().BeEquivalentTo(new { Done = true, NextPage = 6, Iteration = run.Invocations, Generation = 0, Cursor = (string?)null });
        partner.Requests.Select(r => r.Query.GetValueOrDefault("cursor")).Should().Equal(null, "o100", "o200", "o300", "o400");
        (await scenario.Progress.GetJobAsync(jobId))!.TotalPages.Should().Be(5);
        output.WriteLine($"MEASURED cursor time box: 5 pages over {run.Invocations} CursorFetcher invocations, one request per page");
    }

    [Fact]
    public async Task A_cursor_page_that_fails_ends_the_job_at_that_page()
    {
        using var partner = new FakePartner(totalItems: 450);
        partner.Script(r => r.Query.GetValueOrDefault("cursor") == "o200" ? FakePartnerBehavior.Status(403) : null);
        using ApiPollerScenario scenario = await Scenario(partner, "Cursor", pageSize: 100);
        string jobId = await scenario.RequestJobAsync("items");

        JobRun run = await scenario.RunJobAsync(jobId);

        run.Cursor!.Done.Should().BeTrue();
        (await scenario.Progress.GetJobAsync(jobId))!.TotalPages.Should().Be(3);
        (await scenario.TasksAsync(jobId)).Select(t => (t.Page, t.State, t.Failure)).Should().Equal(
            (1, TaskState.Enqueued, null), (2, TaskState.Enqueued, null), (3, TaskState.FetchFailed, "ClientError:403"));
    }

    [Fact]
    public async Task A_pointer_outside_the_payload_bucket_goes_to_the_dead_letter_queue_with_its_reason()
    {
        using var partner = new FakePartner(totalItems: 10);
        using ApiPollerScenario scenario = await Scenario(partner, "PageNumber", pageSize: 10);
        string jobId = new('c', 32);

        await scenario.SendAsync($$"""{"jobId":"{{jobId}}","source":"items","page":1,"bucket":"someone-elses-bucket","key":"jobs/{{jobId}}/pages/000000001.json","bytes":10}""");
        await scenario.SendAsync("not json");
        await scenario.DriveConsumerAsync();

        List<Message> parked = await scenario.DrainAsync(scenario.DeadLetterQueueUrl);
        parked.Should().HaveCount(2);
        parked.Select(m => m.MessageAttributes[Patterns.Cdk.Functions.Shared.SqsBatchProcessor.ReasonAttribute].StringValue)
            .Should().Contain(reason => reason.Contains("payload bucket", StringComparison.Ordinal));
    }

    private async Task<ApiPollerScenario> Scenario(
        FakePartner partner, string pagination, int pageSize, string extra = "", IPageProcessor? processor = null, TimeSpan? functionTimeout = null) =>
        await ApiPollerScenario.CreateAsync(emulators, output, partner, $"[{ApiPollerScenario.Source(partner, "items", pagination, pageSize, extra)}]", processor, functionTimeout);

    /// <summary>The work queue's messages, made visible again at once so the consumer still gets them.</summary>
    private static async Task<List<Message>> PeekPointersAsync(ApiPollerScenario scenario)
    {
        List<Message> messages = await scenario.DrainAsync(scenario.WorkQueueUrl);
        foreach (Message message in messages)
        {
            await scenario.SendAsync(message.Body);
        }

        return messages;
    }

    /// <summary>A processor that succeeds or always fails, recording the page's stored state at each call (when it knows the scenario).</summary>
    private sealed class ScriptedProcessor(bool fail) : IPageProcessor
    {
        public int Calls { get; private set; }

        public List<TaskState> StatesSeen { get; } = [];

        public ApiPollerScenario? Scenario { get; set; }

        public async Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
        {
            Calls++;
            if (Scenario is not null)
            {
                StatesSeen.Add((await Scenario.TasksAsync(page.JobId)).Single(task => task.Page == page.Page).State);
            }

            if (fail)
            {
                throw new InvalidOperationException("the processor is broken");
            }
        }
    }
}
