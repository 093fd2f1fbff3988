using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>The progress store against dynalite: conditional creation, monotonic transitions, exact counters, listing, TTL.</summary>
[Collection(UsesEmulators.Name)]
public sealed class ProgressStoreTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    [Fact]
    public async Task A_job_is_created_once_and_a_repeat_returns_the_stored_job()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();

        JobCreation first = await table.Store.CreateJobAsync(job);
        await table.Store.MoveJobAsync(job.JobId, JobStatus.Planning);
        JobCreation repeat = await table.Store.CreateJobAsync(job);
        JobCreation different = await table.Store.CreateJobAsync(ProgressTableScope.OrdersJob(job.JobId, since: "2024-02-02"));

        first.Created.Should().BeTrue();
        first.Job.Status.Should().Be(JobStatus.Requested);
        repeat.Created.Should().BeFalse();
        repeat.Job.Status.Should().Be(JobStatus.Planning, "the repeat sees the stored job, not a fresh one");
        repeat.Job.RequestHash.Should().Be(job.Request.Hash);
        different.Created.Should().BeFalse();
        different.Job.RequestHash.Should().Be(job.Request.Hash).And.NotBe(ProgressTableScope.OrdersJob(since: "2024-02-02").Request.Hash);
        (await table.Store.GetJobAsync(job.JobId))!.Parameters.Should().Be("""{"since":"2024-01-01"}""");
    }

    [Fact]
    public async Task Job_status_only_moves_up_and_duplicates_are_no_ops()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);

        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Planning)).Should().Be(new JobMove(JobMoveOutcome.Moved, JobStatus.Planning));
        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Planning)).Should().Be(new JobMove(JobMoveOutcome.AlreadyAtOrPast, JobStatus.Planning));
        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetching, totalPages: 250)).Outcome.Should().Be(JobMoveOutcome.Moved);
        (await table.Store.RecordTotalPagesAsync(job.JobId, 260)).Should().BeTrue("a FETCHING job takes the cursor fetcher's total");
        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Planning)).Should().Be(new JobMove(JobMoveOutcome.AlreadyAtOrPast, JobStatus.Fetching));
        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetched)).Outcome.Should().Be(JobMoveOutcome.Moved);
        (await table.Store.MoveJobAsync(job.JobId, JobStatus.Failed, error: "States.Timeout: late")).Should().Be(new JobMove(JobMoveOutcome.AlreadyAtOrPast, JobStatus.Fetched));
        (await table.Store.RecordTotalPagesAsync(job.JobId, 999)).Should().BeFalse("a finished job keeps its total");

        JobRecord stored = (await table.Store.GetJobAsync(job.JobId))!;
        stored.Status.Should().Be(JobStatus.Fetched);
        stored.TotalPages.Should().Be(260);
        stored.StartedAt.Should().NotBeNull();
        stored.FetchedAt.Should().NotBeNull();
        stored.FailedAt.Should().BeNull();
        stored.Error.Should().BeNull();
        (await table.Store.MoveJobAsync(JobIds.New(), JobStatus.Planning)).Should().Be(new JobMove(JobMoveOutcome.NotFound, null));
    }

    [Fact]
    public async Task A_failed_job_records_when_and_why()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);

        await table.Store.MoveJobAsync(job.JobId, JobStatus.Failed, error: "BadInput: unknown source");

        JobSummary summary = (await table.Store.GetSummaryAsync(job.JobId))!;
        summary.Job.FailedAt.Should().NotBeNull();
        summary.Job.Error.Should().Be("BadInput: unknown source");
        summary.State.Should().Be(JobState.Failed);
    }

    [Fact]
    public async Task A_completed_page_never_goes_back_and_its_counters_stay_exact()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        string jobId = JobIds.New();

        (await table.Store.MoveTaskAsync(jobId, 7, TaskState.Planned, TaskState.Saved)).Outcome.Should().Be(TaskMoveOutcome.Moved);
        (await table.Store.MoveTaskAsync(jobId, 7, TaskState.Saved, TaskState.Enqueued)).Outcome.Should().Be(TaskMoveOutcome.Moved);
        (await table.Store.MoveTaskAsync(jobId, 7, TaskState.Enqueued, TaskState.Completed)).Attempts.Should().Be(1);

        TaskMove late = await table.Store.MoveTaskAsync(jobId, 7, TaskState.Saved, TaskState.Enqueued);
        TaskMove duplicate = await table.Store.MoveTaskAsync(jobId, 7, TaskState.Enqueued, TaskState.Completed);
        TaskMove otherTerminal = await table.Store.MoveTaskAsync(jobId, 7, TaskState.Enqueued, TaskState.ProcessingFailed, "ProcessingFailed");

        late.Should().Be(new TaskMove(TaskMoveOutcome.AlreadyAtOrPast, TaskState.Completed, 1));
        duplicate.Outcome.Should().Be(TaskMoveOutcome.AlreadyAtOrPast);
        otherTerminal.Outcome.Should().Be(TaskMoveOutcome.AlreadyAtOrPast);
        Dictionary<string, AttributeValue> group = (await table.RawItemAsync(jobId, "B#00000000"))!;
        group["p7"].N.Should().Be("30");
        group.Should().NotContainKey("f7");
        (await table.Store.CountTasksAsync(jobId)).Should().Be(new TaskCounts(0, 0, 1, 0, 0));
    }

    [Fact]
    public async Task A_wrong_guess_of_the_previous_state_costs_a_retry_not_a_wrong_count()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        string jobId = JobIds.New();
        await table.Store.MoveTaskAsync(jobId, 150, TaskState.Planned, TaskState.Saved);

        // The consumer's completion arrives while the store still says SAVED (the ENQUEUED write is late).
        TaskMove completed = await table.Store.MoveTaskAsync(jobId, 150, TaskState.Enqueued, TaskState.Completed);
        TaskMove lateEnqueue = await table.Store.MoveTaskAsync(jobId, 150, TaskState.Saved, TaskState.Enqueued);
        TaskMove failed = await table.Store.MoveTaskAsync(jobId, 151, TaskState.Saved, TaskState.FetchFailed, "ServerError:503");

        completed.Should().Be(new TaskMove(TaskMoveOutcome.Moved, TaskState.Saved, 2));
        lateEnqueue.Outcome.Should().Be(TaskMoveOutcome.AlreadyAtOrPast);
        failed.Should().Be(new TaskMove(TaskMoveOutcome.Moved, TaskState.Planned, 2));
        (await table.Store.CountTasksAsync(jobId)).Should().Be(new TaskCounts(0, 0, 1, 1, 0));
        (await table.RawItemAsync(jobId, "B#00000001"))!["f151"].S.Should().Be("ServerError:503");
    }

    [Fact]
    public async Task Counters_are_exact_under_eight_concurrent_writers_with_duplicates_and_any_order()
    {
        const int Pages = 500;
        const int Workers = 8;
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);
        await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetching, totalPages: Pages);
        var random = new Random(20250314);
        (List<(int Page, TaskState From, TaskState To)> operations, Dictionary<int, TaskState> truth) = Plan(Pages, random);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(operations));

        int moved = 0, noOps = 0, retries = 0, maxAttempts = 0;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(operations, new ParallelOptions { MaxDegreeOfParallelism = Workers }, async (op, cancellationToken) =>
        {
            TaskMove move = await table.Store.MoveTaskAsync(job.JobId, op.Page, op.From, op.To, op.To.IsFailure() ? "ServerError:503" : null, cancellationToken);
            Interlocked.Increment(ref move.Outcome == TaskMoveOutcome.Moved ? ref moved : ref noOps);
            Interlocked.Add(ref retries, move.ConditionalRetries);
            InterlockedMax(ref maxAttempts, move.Attempts);
        });
        TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        TaskCounts counts = await table.Store.CountTasksAsync(job.JobId);
        counts.Should().Be(new TaskCounts(
            Count(truth, TaskState.Saved), Count(truth, TaskState.Enqueued), Count(truth, TaskState.Completed),
            Count(truth, TaskState.FetchFailed), Count(truth, TaskState.ProcessingFailed)));
        List<TaskEntry> listed = await ListAllAsync(table.Store, (await table.Store.GetJobAsync(job.JobId))!, limit: 77);
        listed.Select(t => t.Page).Should().Equal(Enumerable.Range(1, Pages));
        listed.Should().OnlyContain(t => t.State == truth[t.Page]);
        (moved + noOps).Should().Be(operations.Count);
        moved.Should().BeLessThanOrEqualTo(operations.Distinct().Count(), "each (page, target) moves at most once; duplicates are no-ops")
            .And.BeGreaterThanOrEqualTo(truth.Values.Count(state => state != TaskState.Planned), "every recorded page moved at least once");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{operations.Count} transitions on {Pages} pages by {Workers} workers in {elapsed.TotalSeconds:0.0} s: {moved} moved, {noOps} no-ops, {retries} conditional retries (max {maxAttempts} attempts for one transition)"));
        retries.Should().BeGreaterThan(0, "out-of-order transitions must have hit the condition and been retried");
    }

    [Fact]
    public async Task The_summary_sums_counters_over_every_group_item_across_query_pages()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);
        await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetching, totalPages: 2_000);
        // One page in each of 20 groups, each item padded so that a Query needs several 1 MB responses.
        string padding = new('x', 300_000);
        for (int group = 0; group < 20; group++)
        {
            int page = (group * 100) + 1;
            await table.Store.MoveTaskAsync(job.JobId, page, TaskState.Planned, TaskState.FetchFailed, padding);
        }

        JobSummary summary = (await table.Store.GetSummaryAsync(job.JobId))!;

        summary.Counts.FetchFailed.Should().Be(20);
        summary.Planned.Should().Be(1_980);
        summary.State.Should().Be(JobState.Running);
    }

    [Fact]
    public async Task Tasks_are_listed_in_pages_with_planned_pages_and_failure_reasons()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);
        await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetching, totalPages: 250);
        await table.Store.MoveTaskAsync(job.JobId, 1, TaskState.Planned, TaskState.Saved);
        await table.Store.MoveTaskAsync(job.JobId, 101, TaskState.Planned, TaskState.FetchFailed, "ClientError:404");
        await table.Store.MoveTaskAsync(job.JobId, 250, TaskState.Planned, TaskState.Completed);
        JobRecord record = (await table.Store.GetJobAsync(job.JobId))!;

        TaskListing first = await table.Store.ListTasksAsync(record, 1, 100);
        TaskListToken.TryDecode(first.NextToken, job.JobId, out int second).Should().BeTrue();
        TaskListing middle = await table.Store.ListTasksAsync(record, second, 100);
        TaskListToken.TryDecode(middle.NextToken, job.JobId, out int third).Should().BeTrue();
        TaskListing last = await table.Store.ListTasksAsync(record, third, 100);

        first.Tasks.Should().HaveCount(100);
        first.Tasks[0].Should().Be(new TaskEntry(1, TaskState.Saved, null));
        first.Tasks[1].Should().Be(new TaskEntry(2, TaskState.Planned, null));
        middle.Tasks[0].Should().Be(new TaskEntry(101, TaskState.FetchFailed, "ClientError:404"));
        last.Tasks.Should().HaveCount(50);
        last.Tasks[^1].Should().Be(new TaskEntry(250, TaskState.Completed, null));
        last.NextToken.Should().BeNull();
    }

    [Fact]
    public async Task A_cursor_job_without_a_total_lists_only_recorded_pages()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        await table.Store.CreateJobAsync(job);
        await table.Store.MoveJobAsync(job.JobId, JobStatus.Fetching);
        foreach (int page in new[] { 1, 2, 3, 99, 100, 101, 205 })
        {
            await table.Store.MoveTaskAsync(job.JobId, page, TaskState.Planned, TaskState.Saved);
        }

        List<TaskEntry> all = await ListAllAsync(table.Store, (await table.Store.GetJobAsync(job.JobId))!, limit: 2);

        all.Select(t => t.Page).Should().Equal(1, 2, 3, 99, 100, 101, 205);
    }

    [Fact]
    public async Task Every_item_expires_job_ttl_days_after_its_last_write_in_epoch_seconds()
    {
        ProgressTableScope table = await ProgressTableScope.CreateAsync(emulators);
        NewJob job = ProgressTableScope.OrdersJob();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await table.Store.CreateJobAsync(job);
        await table.Store.MoveTaskAsync(job.JobId, 1, TaskState.Planned, TaskState.Saved);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        foreach (string sortKey in new[] { "JOB", "B#00000000" })
        {
            AttributeValue expiresAt = (await table.RawItemAsync(job.JobId, sortKey))!["expiresAt"];
            expiresAt.N.Should().NotBeNull("TTL needs a Number attribute");
            long.Parse(expiresAt.N, CultureInfo.InvariantCulture).Should().BeInRange(before + (ProgressTableScope.TtlDays * 86_400), after + (ProgressTableScope.TtlDays * 86_400));
        }

        output.WriteLine($"TTL specification accepted by the emulator: {table.TtlConfigured}");
    }

    /// <summary>
    /// Every page's transitions in its natural order plus duplicates: 10% fail to fetch, 5% fail processing, 5% stop at
    /// ENQUEUED, 5% at SAVED, 5% stay PLANNED, the rest complete. Returns the operations and each page's final state.
    /// </summary>
    private static (List<(int, TaskState, TaskState)>, Dictionary<int, TaskState>) Plan(int pages, Random random)
    {
        var operations = new List<(int, TaskState, TaskState)>();
        var truth = new Dictionary<int, TaskState>();
        for (int page = 1; page <= pages; page++)
        {
            int roll = random.Next(100);
            TaskState[] path = roll switch
            {
                < 10 => [TaskState.FetchFailed],
                < 15 => [TaskState.Saved, TaskState.Enqueued, TaskState.ProcessingFailed],
                < 20 => [TaskState.Saved, TaskState.Enqueued],
                < 25 => [TaskState.Saved],
                < 30 => [],
                _ => [TaskState.Saved, TaskState.Enqueued, TaskState.Completed],
            };
            truth[page] = path.Length == 0 ? TaskState.Planned : path[^1];
            TaskState from = TaskState.Planned;
            foreach (TaskState to in path)
            {
                operations.Add((page, from, to));
                if (random.Next(100) < 30)
                {
                    operations.Add((page, from, to));
                }

                from = to;
            }
        }

        return (operations, truth);
    }

    private static long Count(Dictionary<int, TaskState> truth, TaskState state) => truth.Values.Count(s => s == state);

    private static async Task<List<TaskEntry>> ListAllAsync(ProgressStore store, JobRecord job, int limit)
    {
        var all = new List<TaskEntry>();
        int from = 1;
        while (true)
        {
            TaskListing listing = await store.ListTasksAsync(job, from, limit);
            all.AddRange(listing.Tasks);
            if (listing.NextToken is null)
            {
                return all;
            }

            TaskListToken.TryDecode(listing.NextToken, job.JobId, out from).Should().BeTrue();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
