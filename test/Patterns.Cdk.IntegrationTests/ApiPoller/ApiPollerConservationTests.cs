using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// Issue 15's conservation run for ApiPoller, at the level the other ApiPoller integration tests drive it: the bundled
/// JobPlanner, PageFetcher and TaskConsumer on the emulators, the workflow's steps played as the construct configures
/// them (PlanJob; the Distributed Map's batches with their <c>remaining</c> loop, where a function error is not retried
/// (FetchBatch's Retry covers Lambda's service errors only) and goes to RecordBatchFailure; CompleteFetching; a plan
/// failure to RecordJobFailure), and the consumer driven by the SQS event source mapping with the queue's redrive policy.
/// Jobs (page number and offset/limit) run against flaky partners (429 with Retry-After, 5xx, resets, bodies cut
/// mid-stream, timeouts, slow answers and outage windows; a share of pages always malformed or 404), while the shared
/// fault layer fails the fetchers' and the consumer's S3, SQS and DynamoDB requests. Some jobs are started twice (the
/// pipe delivers at least once), some pointers delivered twice, and some pages poison the processor.
/// At the end every planned page is COMPLETED or counted as failed (FETCH_FAILED, PROCESSING_FAILED, or not fetched
/// because its batch failed), never SAVED or ENQUEUED; the job's counters equal the sum of its page states; every
/// completed page was saved with exactly the partner's items; the processor ran more than once for a page only after a
/// failed receive or a second pointer (at least once, as the contract says). Anything else fails with the seed.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class ApiPollerConservationTests(EmulatorFixture emulators, ITestOutputHelper output) : IDisposable
{
    /// <summary>The faults spent the SDK's per-endpoint retry quotas; the next test gets them back.</summary>
    public void Dispose() => SdkRetryTuning.RestoreRetryQuotas();

    private const int RequestTimeoutSeconds = 1;
    private const int MaxAttempts = 3;
    private const int PageSize = 20;

    [Fact]
    public async Task Every_planned_page_ends_fetched_or_counted_as_failed_and_job_totals_equal_the_page_states()
    {
        ConservationSettings settings = ConservationSettings.FromEnvironment();
        var report = new ConservationReport("apipoller", settings) { OutcomeUnit = "pages" };
        var random = new Random(settings.Seed);
        int jobs = settings.Inputs(6, 80);

        // Two fault layers drawn from the same seed: the AWS requests (the shared plan), and the partner's answers
        // (timeouts cost a real request timeout each, so they get a smaller weight there).
        var aws = new FaultInjector(settings.Seed, new FaultPlan { Rate = settings.FaultRate, MaxLatency = TimeSpan.FromMilliseconds(10) });
        var partnerOutages = Enumerable.Range(0, Math.Max(1, jobs / 4)).Select(_ => new FaultOutage("Partner", random.Next(1, jobs * 40), random.Next(3, 8))).ToList();
        var partnerFaults = new FaultInjector(settings.Seed + 1, new FaultPlan
        {
            Rate = settings.FaultRate,
            LatencyRate = 0.05,
            MaxLatency = TimeSpan.FromMilliseconds(150),
            Outages = partnerOutages,
            Weights = new Dictionary<FaultKind, double>
            {
                [FaultKind.Throttling] = 2, [FaultKind.Http500] = 1, [FaultKind.Http503] = 1, [FaultKind.ConnectionReset] = 1, [FaultKind.TruncatedBody] = 1.5, [FaultKind.Timeout] = 0.3,
            },
            Applies = (_, _) => true,
        });
        report.Faults = aws;

        // One partner per job, a catalog with one source per job.
        var plans = new List<JobSpec>();
        var partners = new List<FakePartner>();
        try
        {
            for (int j = 0; j < jobs; j++)
            {
                int pages = random.Next(20, 61);
                int lastItems = random.Next(1, PageSize + 1);
                var partner = new FakePartner(totalItems: ((pages - 1) * PageSize) + lastItems);
                partners.Add(partner);
                string pagination = j % 2 == 0 ? "PageNumber" : "OffsetLimit";
                var bad = new Dictionary<int, string>();
                for (int page = 2; page <= pages; page++)
                {
                    if (random.NextDouble() < 0.04)
                    {
                        bad[page] = random.NextDouble() < 0.5 ? "MalformedJson" : "ClientError:404";
                    }
                }

                var spec = new JobSpec($"src{j:D3}", partner, pagination, pages, bad, StartTwice: random.NextDouble() < 0.15);
                plans.Add(spec);
                partner.Script(request => PartnerAnswer(request, spec, partnerFaults));
            }

            string sources = "[" + string.Join(",", plans.Select(p => ApiPollerScenario.Source(p.Partner, p.Name, p.Pagination, PageSize,
                $$""","requestTimeoutSeconds":{{RequestTimeoutSeconds}},"maxRetryAfterSeconds":5,"maxAttempts":{{MaxAttempts}}""").Replace(
                    "\"requestTimeoutSeconds\":2,", "", StringComparison.Ordinal).Replace("\"maxAttempts\":3,", "", StringComparison.Ordinal))) + "]";
            var processed = new ConcurrentDictionary<(string JobId, int Page), int>();
            var poison = new HashSet<(string Source, int Page)>();
            foreach (JobSpec spec in plans)
            {
                for (int page = 1; page <= spec.Pages; page++)
                {
                    if (!spec.Bad.ContainsKey(page) && random.NextDouble() < 0.02)
                    {
                        poison.Add((spec.Name, page));
                    }
                }
            }

            var faults = new ScenarioFaults(aws) { Processor = inner => new CountingProcessor(inner, processed, poison) };
            using ApiPollerScenario scenario = await ApiPollerScenario.CreateAsync(emulators, output, partners[0], sources, faults: faults);
            scenario.WriteLogsOnDispose = false;
            aws.Enabled = false;
            try
            {
                var runs = new List<JobPlay>();
                foreach (JobSpec spec in plans)
                {
                    string jobId = await scenario.RequestJobAsync(spec.Name, new Dictionary<string, string> { ["since"] = "2024-01-01" });
                    aws.Enabled = true;
                    JobPlay play = await PlayAsync(scenario, jobId, spec, "first");
                    runs.Add(play);
                    if (spec.StartTwice)
                    {
                        JobPlay again = await PlayAsync(scenario, jobId, spec, "second");
                        if (again.Mode is not (PlanModes.Duplicate or null))
                        {
                            report.Extra++;
                            report.Problem($"job {jobId} ({spec.Name}) started twice: the second execution planned it again (mode {again.Mode})");
                        }

                        play.SecondStart = again;
                    }

                    aws.Enabled = false;

                    // The queue delivers at least once: a few pointers arrive twice.
                    foreach (int page in Enumerable.Range(1, spec.Pages).Where(_ => random.NextDouble() < 0.05))
                    {
                        string key = PageStore.PageKey(jobId, page);
                        if ((await scenario.PageKeysAsync(jobId)).Contains(key))
                        {
                            long bytes = await scenario.ObjectLengthAsync(key);
                            await scenario.SendAsync(JsonSerializer.Serialize(
                                new PagePointer { JobId = jobId, Source = spec.Name, Page = page, Bucket = scenario.Bucket, Key = key, Bytes = bytes },
                                FetchJsonContext.Default.PagePointer));
                            play.DuplicatePointers++;
                        }
                    }
                }

                aws.Enabled = true;
                await scenario.DriveConsumerAsync(maxPolls: 100_000, limit: TimeSpan.FromMinutes(settings.IsLong ? 30 : 5));
                aws.Enabled = false;
                await AccountAsync(scenario, runs, processed, poison, report, aws);
            }
            catch
            {
                scenario.WriteLogs(300);
                throw;
            }

            report.Row("partner requests", partners.Sum(p => p.Requests.Count));
            report.Row("partner faults injected", partnerFaults.Failures);
            foreach (var kind in partnerFaults.Injected.GroupBy(f => f.Kind).OrderBy(g => g.Key))
            {
                report.Row($"partner faults: {kind.Key}", kind.Count());
            }

            report.Row("partner waits asked (Retry-After, backoff), s", scenario.Waits.Sum(w => w.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture));
            report.Section("Partner faults by kind", partnerFaults.Table());
            foreach (FaultInjector injector in new[] { aws, partnerFaults })
            {
                if (!injector.InjectedAtLeastThePlannedRate(out string rate))
                {
                    report.Problem($"the fault layer injected less than planned: {rate}");
                }
            }

            if (report.Problems.Count > 0)
            {
                scenario.WriteLogs(300);
            }
        }
        finally
        {
            foreach (FakePartner partner in partners)
            {
                partner.Dispose();
            }
        }

        report.Write();
        if (report.Problems.Count > 0)
        {
            Assert.Fail(report.Failure());
        }

        output.WriteLine(report.SummaryLine());
    }

    // Plays one execution of the workflow for the job: PlanJob, then the Distributed Map (or nothing), then CompleteFetching.
    private static async Task<JobPlay> PlayAsync(ApiPollerScenario scenario, string jobId, JobSpec spec, string execution)
    {
        var play = new JobPlay(jobId, spec);
        JobPlan plan;
        try
        {
            plan = await scenario.PlanAsync($$"""{"input":{"jobId":"{{jobId}}","trigger":"api"},"executionId":"arn:aws:states:us-east-1:111122223333:execution:Orchestrator:{{jobId}}-{{execution}}"}""");
        }
        catch (Exception e)
        {
            // PlanJob's Retry covers Lambda's service errors only: a function error goes to RecordJobFailure.
            play.PlanError = e.GetType().Name + ": " + e.Message;
            await scenario.WorkflowProgress.MoveJobAsync(jobId, JobStatus.Failed, error: "PlanFailed");
            return play;
        }

        play.Mode = plan.Mode;
        play.TotalPages = plan.TotalPages;
        if (plan.Mode == PlanModes.Fanout)
        {
            JsonArray manifest = JsonNode.Parse(await scenario.ObjectTextAsync(plan.ManifestKey!))!.AsArray();
            foreach (JsonNode?[] batch in manifest.Chunk(plan.PagesPerBatch))
            {
                IReadOnlyList<PageItem> items = batch.Select(item => new PageItem { Page = (int)item!["page"]! }).ToList();
                var input = new BatchInput { JobId = plan.JobId, Source = plan.Source };
                DateTimeOffset started = DateTimeOffset.UtcNow;
                while (items.Count > 0)
                {
                    FetchBatchResult result;
                    try
                    {
                        result = await scenario.FetchBatchAsync(new FetchBatchRequest { Items = items, BatchInput = input, BatchStartedAt = started, BatchBudgetSeconds = 180 });
                        play.FetchInvocations++;
                    }
                    catch (Exception e)
                    {
                        // FetchBatch's Retry covers Lambda's service errors only; a function error is caught into
                        // RecordBatchFailure (a native DynamoDB step, retried by Step Functions).
                        play.FetchInvocations++;
                        play.FailedBatches.Add((items.Select(i => i.Page).ToList(), e.GetType().Name));
                        await RecordBatchFailureAsync(scenario, jobId);
                        break;
                    }

                    if (result.OutOfTime)
                    {
                        play.FailedBatches.Add((result.Remaining.Select(i => i.Page).ToList(), "BatchOutOfTime"));
                        await RecordBatchFailureAsync(scenario, jobId);
                        break;
                    }

                    items = result.Remaining;
                    await scenario.PollConsumerAsync(); // the consumer works while the map fetches
                }
            }
        }

        if (plan.Mode is PlanModes.Fanout or PlanModes.Empty)
        {
            await scenario.WorkflowProgress.MoveJobAsync(jobId, JobStatus.Fetched); // CompleteFetching
        }

        return play;
    }

    private static Task<UpdateItemResponse> RecordBatchFailureAsync(ApiPollerScenario scenario, string jobId) =>
        scenario.Emulators.DynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = scenario.TableName,
            Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "JOB#" + jobId }, ["sk"] = new() { S = "JOB" } },
            UpdateExpression = "ADD failedBatches :one",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = new() { N = "1" } },
        });

    // Every planned page is accounted for; the counters equal the page states; outputs are exactly the partner's pages.
    private static async Task AccountAsync(
        ApiPollerScenario scenario, List<JobPlay> runs, ConcurrentDictionary<(string JobId, int Page), int> processed, HashSet<(string Source, int Page)> poison, ConservationReport report, FaultInjector faults)
    {
        List<Message> dead = await scenario.DrainAsync(scenario.DeadLetterQueueUrl);
        var deadByPage = dead.Select(m => JsonNode.Parse(m.Body)!).GroupBy(n => ((string)n["jobId"]!, (int)n["page"]!)).ToDictionary(g => g.Key, g => g.Count());
        List<Message> left = await scenario.DrainAsync(scenario.WorkQueueUrl);
        foreach (Message message in left)
        {
            report.Problem($"left in the work queue: {message.Body}");
        }

        (Dictionary<(string, int), int> failedReceives, Dictionary<(string, int), int> pointerMessages) = ConsumerHistory(scenario);
        long planned = 0, completed = 0, fetchFailed = 0, processingFailed = 0, notFetched = 0, bad = 0, badFailed = 0, redeliveredProcessing = 0, failedJobs = 0;
        foreach (JobPlay run in runs)
        {
            string jobId = run.JobId;
            JobSummary summary = (await scenario.WorkflowProgress.GetSummaryAsync(jobId))!;
            if (run.PlanError is not null)
            {
                failedJobs++;
                if (summary.Job.Status != JobStatus.Failed)
                {
                    report.Problem($"job {jobId}: planning failed ({run.PlanError}) but the job is {summary.Job.Status}");
                }

                if (summary.Counts.Recorded > 0)
                {
                    report.Problem($"job {jobId}: planning failed but {summary.Counts.Recorded} page(s) have a state");
                }

                continue;
            }

            if (run.TotalPages != run.Spec.Pages)
            {
                report.Problem($"job {jobId}: planned {run.TotalPages} pages, the partner has {run.Spec.Pages}");
                continue;
            }

            Dictionary<int, (TaskState State, string? Failure)> pages = await PageStatesAsync(scenario, jobId);
            var failedBatchPages = run.FailedBatches.SelectMany(b => b.Pages).ToHashSet();
            planned += run.Spec.Pages;
            bad += run.Spec.Bad.Count;
            var byState = pages.Values.GroupBy(p => p.State).ToDictionary(g => g.Key, g => (long)g.Count());
            var counts = new TaskCounts(
                byState.GetValueOrDefault(TaskState.Saved), byState.GetValueOrDefault(TaskState.Enqueued), byState.GetValueOrDefault(TaskState.Completed),
                byState.GetValueOrDefault(TaskState.FetchFailed), byState.GetValueOrDefault(TaskState.ProcessingFailed));
            if (counts != summary.Counts)
            {
                report.Problem($"job {jobId}: the counters {summary.Counts} differ from the sum of the page states {counts}");
            }

            if (summary.Job.Status != JobStatus.Fetched)
            {
                report.Problem($"job {jobId}: status {summary.Job.Status} at the end, expected FETCHED");
            }

            long terminal = summary.Counts.Completed + summary.Counts.FetchFailed + summary.Counts.ProcessingFailed + summary.NotFetched;
            if (terminal != run.Spec.Pages || summary.Counts.Saved + summary.Counts.Enqueued > 0)
            {
                report.Problem($"job {jobId}: {run.Spec.Pages} pages planned, {terminal} terminal (saved {summary.Counts.Saved}, enqueued {summary.Counts.Enqueued}, state {JobSummary.ApiName(summary.State)})");
            }

            if (summary.NotFetched > 0 && summary.Job.FailedBatches == 0)
            {
                report.Problem($"job {jobId}: {summary.NotFetched} page(s) not fetched but no failed batch recorded");
            }

            completed += summary.Counts.Completed;
            fetchFailed += summary.Counts.FetchFailed;
            processingFailed += summary.Counts.ProcessingFailed;
            notFetched += summary.NotFetched;
            List<string> keys = await scenario.PageKeysAsync(jobId);
            foreach (string key in keys)
            {
                int page = int.Parse(Path.GetFileNameWithoutExtension(key), CultureInfo.InvariantCulture);
                if (page < 1 || page > run.Spec.Pages)
                {
                    report.Extra++;
                    report.Problem($"job {jobId}: a page object {key} beyond the plan");
                }
            }

            for (int page = 1; page <= run.Spec.Pages; page++)
            {
                (TaskState state, string? failure) = pages.TryGetValue(page, out var recorded) ? recorded : (TaskState.Planned, null);
                string where = $"job {jobId} ({run.Spec.Pagination}) page {page}";
                int processings = processed.GetValueOrDefault((jobId, page));
                switch (state)
                {
                    case TaskState.Planned when !failedBatchPages.Contains(page):
                        report.Lost++;
                        report.Problem($"{where}: still PLANNED, and no failed batch held it");
                        break;
                    case TaskState.Saved or TaskState.Enqueued:
                        report.Lost++;
                        report.Problem($"{where}: stuck {state} (the job can never complete){(deadByPage.ContainsKey((jobId, page)) ? "; its pointer is in the DLQ" : "; no pointer anywhere")}");
                        break;
                    case TaskState.Completed:
                        if (run.Spec.Bad.TryGetValue(page, out string? always))
                        {
                            report.Extra++;
                            report.Problem($"{where}: the partner always answers it {always}, yet it was COMPLETED");
                        }

                        if (processings == 0)
                        {
                            report.Problem($"{where}: COMPLETED without the processor having run");
                        }

                        string text = await scenario.ObjectTextAsync(PageStore.PageKey(jobId, page));
                        string? mismatch = CheckItems(text, page, run.Spec);
                        if (mismatch is not null)
                        {
                            report.Extra++;
                            report.Problem($"{where}: the saved page is not the partner's page: {mismatch}");
                        }

                        break;
                    case TaskState.FetchFailed:
                        if (run.Spec.Bad.TryGetValue(page, out string? expected))
                        {
                            badFailed++;
                            if (failure != expected)
                            {
                                report.Problem($"{where}: FETCH_FAILED with '{failure}', the partner always answers it {expected}");
                            }
                        }
                        else if (failure is null || !(failure.StartsWith("ServerError:", StringComparison.Ordinal) || failure is "Throttled" or "Timeout" or "NetworkError"))
                        {
                            report.Problem($"{where}: FETCH_FAILED with '{failure}', but its faults were all transient");
                        }

                        if (processings > 0)
                        {
                            report.Problem($"{where}: FETCH_FAILED yet processed {processings} time(s)");
                        }

                        break;
                    case TaskState.ProcessingFailed:
                        if (!deadByPage.ContainsKey((jobId, page)))
                        {
                            report.Lost++;
                            report.Problem($"{where}: PROCESSING_FAILED but its pointer is not in the dead-letter queue");
                        }

                        if (failedReceives.GetValueOrDefault((jobId, page)) < ApiPollerScenario.MaxReceiveCount && !poison.Contains((run.Spec.Name, page)))
                        {
                            report.Problem($"{where}: PROCESSING_FAILED after only {failedReceives.GetValueOrDefault((jobId, page))} failed receive(s)");
                        }

                        break;
                }

                if (poison.Contains((run.Spec.Name, page)) && state == TaskState.Completed)
                {
                    report.Problem($"{where}: the processor always fails on it, yet it was COMPLETED");
                }

                // At least once: a second run of the processor for a page needs a failed receive or a second pointer.
                if (processings > 1)
                {
                    redeliveredProcessing += processings - 1;
                    int explained = failedReceives.GetValueOrDefault((jobId, page)) + Math.Max(0, pointerMessages.GetValueOrDefault((jobId, page)) - 1);
                    if (processings - 1 > explained)
                    {
                        report.Extra++;
                        report.Problem($"{where}: processed {processings} times with {explained} redelivery(ies) to explain it");
                    }
                }
            }
        }

        report.Inputs = (int)planned;
        report.Duplicates = runs.Count(r => r.SecondStart is not null) + runs.Sum(r => r.DuplicatePointers);
        report.BadInputs = (int)bad;
        report.Processed = (int)completed;
        report.DeadLettered = (int)processingFailed;
        report.Parked = (int)(fetchFailed + notFetched);
        report.Row("jobs (page number / offset-limit)", $"{runs.Count} ({runs.Count(r => r.Spec.Pagination == "PageNumber")} / {runs.Count(r => r.Spec.Pagination == "OffsetLimit")})");
        report.Row("jobs started twice (second execution: DuplicateStart)", runs.Count(r => r.SecondStart is not null));
        report.Row("jobs failed at planning (RecordJobFailure)", failedJobs);
        report.Row("pointers delivered twice", runs.Sum(r => r.DuplicatePointers));
        report.Row("poison pages (processor always fails)", poison.Count);
        report.Row("pages COMPLETED", completed);
        report.Row("pages FETCH_FAILED (of which bad pages)", $"{fetchFailed} ({badFailed})");
        report.Row("pages PROCESSING_FAILED (pointer in the DLQ)", processingFailed);
        report.Row("pages not fetched (batch failed: function error, no retry)", notFetched);
        report.Row("failed batches", runs.Sum(r => r.FailedBatches.Count));
        report.Row("fetcher invocations", runs.Sum(r => r.FetchInvocations));
        report.Row("consumer invocations", scenario.ConsumerInvocations.Count);
        report.Row("processor runs beyond the first (at least once)", redeliveredProcessing);
        report.Row("DLQ messages", dead.Count);
        // A pointer on its last receive goes to the DLQ with its reason; without one only when that forward failed.
        var forwardFailures = new ForwardFailureLog();
        foreach (string line in scenario.LogText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            forwardFailures.WriteLine(line);
        }

        forwardFailures.Check(report, dead.Count(m => m.MessageAttributes?.ContainsKey(DeadLetterForwarder.ReasonAttribute) != true), faults);
        report.Section("Failed batches", runs.SelectMany(r => r.FailedBatches.Select(b => $"- job {r.JobId[..8]}: {b.Pages.Count} page(s) in the batch when it failed ({b.Error})")).DefaultIfEmpty("- none").Aggregate((a, b) => a + "\n" + b));
    }

    private static async Task<Dictionary<int, (TaskState State, string? Failure)>> PageStatesAsync(ApiPollerScenario scenario, string jobId)
    {
        var pages = new Dictionary<int, (TaskState, string?)>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            QueryResponse response = await scenario.Emulators.DynamoDb.QueryAsync(new QueryRequest
            {
                TableName = scenario.TableName,
                KeyConditionExpression = "pk = :pk AND begins_with(sk, :b)",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new() { S = "JOB#" + jobId }, [":b"] = new() { S = "B#" } },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            });
            foreach (Dictionary<string, AttributeValue> item in response.Items ?? [])
            {
                foreach ((string name, AttributeValue value) in item)
                {
                    if (name.Length > 1 && name[0] == 'p' && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int page))
                    {
                        string? failure = item.TryGetValue("f" + name[1..], out AttributeValue? f) ? f.S : null;
                        pages[page] = ((TaskState)int.Parse(value.N, CultureInfo.InvariantCulture), failure);
                    }
                }
            }

            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return pages;
    }

    // The saved page must hold exactly the items the partner serves for it: ids offset+1..offset+n.
    private static string? CheckItems(string text, int page, JobSpec spec)
    {
        JsonArray items;
        try
        {
            items = JsonNode.Parse(text)!["items"]!.AsArray();
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
        {
            return $"not the partner's JSON ({e.GetType().Name})";
        }

        int first = ((page - 1) * PageSize) + 1;
        int expectedCount = Math.Min(PageSize, spec.Partner.TotalItems - first + 1);
        List<long> ids = items.Select(i => (long)i!["id"]!).ToList();
        return ids.Count == expectedCount && ids.SequenceEqual(Enumerable.Range(first, expectedCount).Select(i => (long)i))
            ? null
            : $"{ids.Count} items from id {ids.FirstOrDefault()}, expected {expectedCount} from {first}";
    }

    // Per page: the receives that failed, and the distinct pointer messages the consumer saw.
    private static (Dictionary<(string, int), int> FailedReceives, Dictionary<(string, int), int> PointerMessages) ConsumerHistory(ApiPollerScenario scenario)
    {
        var failed = new Dictionary<(string, int), int>();
        var messages = new Dictionary<(string, int), HashSet<string>>();
        foreach ((string payload, string? response, Exception? error) in scenario.ConsumerInvocations)
        {
            HashSet<string> failedIds = error is not null ? null! : ItemFailures(response);
            foreach (JsonNode? record in JsonNode.Parse(payload)!["Records"]!.AsArray())
            {
                string id = (string)record!["messageId"]!;
                JsonNode body;
                try
                {
                    body = JsonNode.Parse((string)record["body"]!)!;
                }
                catch (JsonException)
                {
                    continue;
                }

                var page = ((string)body["jobId"]!, (int)body["page"]!);
                (messages.TryGetValue(page, out HashSet<string>? ids) ? ids : messages[page] = []).Add(id);
                if (error is not null || failedIds.Contains(id))
                {
                    failed[page] = failed.GetValueOrDefault(page) + 1;
                }
            }
        }

        return (failed, messages.ToDictionary(m => m.Key, m => m.Value.Count));
    }

    private static HashSet<string> ItemFailures(string? response) =>
        string.IsNullOrWhiteSpace(response) || JsonNode.Parse(response)?["batchItemFailures"] is not JsonArray items
            ? []
            : items.Select(i => (string?)i?["itemIdentifier"] ?? "").ToHashSet();

    // The partner's answer: a bad page always fails the same way; otherwise the fault layer may fail, cut or slow it.
    private static FakePartnerBehavior? PartnerAnswer(FakePartnerRequest request, JobSpec spec, FaultInjector faults)
    {
        int page = request.Query.TryGetValue("page", out string? number) ? int.Parse(number, CultureInfo.InvariantCulture)
            : request.Query.TryGetValue("offset", out string? offset) ? (int.Parse(offset, CultureInfo.InvariantCulture) / PageSize) + 1
            : 1;
        if (spec.Bad.TryGetValue(page, out string? bad))
        {
            return bad == "MalformedJson" ? FakePartnerBehavior.Malformed : FakePartnerBehavior.Status(404);
        }

        (InjectedFault? latency, InjectedFault? failure, double detail) = faults.Next("Partner", "Partner", "GET");
        FakePartnerBehavior? behavior = failure?.Kind switch
        {
            FaultKind.Throttling => FakePartnerBehavior.Status(429, retryAfter: ((int)(detail * 3)).ToString(CultureInfo.InvariantCulture)),
            FaultKind.Http500 => FakePartnerBehavior.Status(500),
            FaultKind.Http503 or FaultKind.Outage => FakePartnerBehavior.Status(503),
            FaultKind.ConnectionReset => FakePartnerBehavior.Reset,
            FaultKind.TruncatedBody => FakePartnerBehavior.Cut(0.1 + (detail * 0.8)),
            FaultKind.Timeout => FakePartnerBehavior.Slow(TimeSpan.FromSeconds(RequestTimeoutSeconds) + TimeSpan.FromMilliseconds(300)),
            _ => null,
        };
        if (latency is not null)
        {
            behavior = (behavior ?? FakePartnerBehavior.Normal) with { Delay = TimeSpan.FromMilliseconds(1 + (detail * faults.Plan.MaxLatency.TotalMilliseconds)) };
        }

        return behavior;
    }

    private sealed record JobSpec(string Name, FakePartner Partner, string Pagination, int Pages, Dictionary<int, string> Bad, bool StartTwice);

    private sealed class JobPlay(string jobId, JobSpec spec)
    {
        public string JobId { get; } = jobId;

        public JobSpec Spec { get; } = spec;

        public string? Mode { get; set; }

        public int? TotalPages { get; set; }

        public string? PlanError { get; set; }

        public int FetchInvocations { get; set; }

        public List<(List<int> Pages, string Error)> FailedBatches { get; } = [];

        public JobPlay? SecondStart { get; set; }

        public int DuplicatePointers { get; set; }
    }

    /// <summary>The bundled item-counting processor, counting its successful runs per page, failing always on poison pages.</summary>
    private sealed class CountingProcessor(IPageProcessor inner, ConcurrentDictionary<(string JobId, int Page), int> processed, HashSet<(string Source, int Page)> poison) : IPageProcessor
    {
        public async Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
        {
            if (poison.Contains((page.Source, page.Page)))
            {
                throw new InvalidOperationException($"the processor cannot handle page {page.Page} (a poison page of the test)");
            }

            await inner.ProcessAsync(page, cancellationToken);
            processed.AddOrUpdate((page.JobId, page.Page), 1, (_, n) => n + 1);
        }
    }
}
