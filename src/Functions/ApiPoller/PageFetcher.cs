using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The Distributed Map's child step (<c>FetchBatch</c>): fetches a batch of pages of a PageNumber or OffsetLimit job,
/// one after the other at the source's pace, streams each to S3 and enqueues its pointer (docs/ApiPoller-contract.md).
/// A page that fails after the retries is recorded FETCH_FAILED with its failure code; the batch goes on. The invocation
/// time-boxes itself: it starts no page when less than two request timeouts are left, and returns the pages not started
/// as <c>remaining</c>, which the workflow hands to the next invocation. The batch's budget (its child's start plus
/// <c>batchBudgetSeconds</c>) bounds every invocation's time box too; once it has no room for another page the result
/// says <c>outOfTime</c> and the workflow records the batch as failed.
/// Handler string: <c>PageFetcher</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class PageFetcher
{
    private readonly FetchServices _services;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the clients once.</summary>
    public PageFetcher()
        : this(JsonLog.CreateDefault())
    {
    }

    internal PageFetcher(FetchServices services, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(log);
        _services = services;
        _log = log;
    }

    private PageFetcher(JsonLog log)
        : this(FetchServices.FromEnvironment(Environment.GetEnvironmentVariable, log, needsQueue: true, nameof(PageFetcher)), log)
    {
    }

    /// <summary>Handles <c>{"Items": [{"page": n}...], "BatchInput": {"jobId", "source"}, "batchStartedAt", "batchBudgetSeconds"}</c>.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        FetchBatchRequest request = await LambdaJson.ReadAsync(input, FetchJsonContext.Default.FetchBatchRequest);
        FetchBatchResult result = await FetchAsync(request, CancellationToken.None);
        return LambdaJson.Write(result, FetchJsonContext.Default.FetchBatchResult);
    });

    internal async Task<FetchBatchResult> FetchAsync(FetchBatchRequest request, CancellationToken cancellationToken)
    {
        BatchInput batch = request.BatchInput;
        JsonLog log = _log.With(("jobId", batch.JobId), ("source", batch.Source));
        DateTimeOffset? deadline = Deadline(request);
        FetchSession session = await FetchSession.OpenAsync(_services, batch.JobId, batch.Source, log, cancellationToken, deadline);
        int fetched = 0, failed = 0, next = 0;
        IReadOnlyList<PageItem> items = request.Items;
        try
        {
            for (; next < items.Count && session.TimeBox.HasTimeForPage(session.RequestTimeout); next++)
            {
                int page = items[next].Page;
                if (page < 1)
                {
                    throw new BadInputException("page numbers start at 1");
                }

                FetchOutcome outcome = await session.FetchAndSaveAsync(page, PageUrlBuilder.ForPage(session.Source, session.Parameters, page), cancellationToken);
                if (outcome.Saved)
                {
                    fetched++;
                }
                else
                {
                    failed++;
                }
            }
        }
        catch (OutOfTimeException e)
        {
            log.Info("time box reached during a page's retries; the page is handed back", ("page", items[next].Page), ("reason", e.Message));
        }
        catch (Exception e)
        {
            // Bad input or a transient failure: what was saved before it is still enqueued, never orphaned.
            await session.Saver.FlushBeforeFailingAsync(e);
            throw;
        }

        await session.Saver.FlushAsync(cancellationToken);
        PageItem[] remaining = [.. items.Skip(next)];
        bool outOfTime = remaining.Length > 0 && session.TimeBox.BudgetSpent(session.RequestTimeout);
        log.Info(
            "batch fetched",
            ("fetched", fetched),
            ("failed", failed),
            ("remaining", remaining.Length),
            ("outOfTime", outOfTime ? "true" : "false"),
            ("partnerRequests", session.Client.RequestCount),
            ("sendMessageBatchRequests", session.Saver.SendRequests));
        return new FetchBatchResult { Fetched = fetched, Failed = failed, Remaining = remaining, OutOfTime = outOfTime, BatchInput = batch };
    }

    /// <summary>The batch's deadline: both budget fields or neither.</summary>
    /// <exception cref="BadInputException">Only one of the two fields, or a budget outside 1-300 seconds.</exception>
    internal static DateTimeOffset? Deadline(FetchBatchRequest request)
    {
        if (request.BatchStartedAt is null && request.BatchBudgetSeconds is null)
        {
            return null;
        }

        if (request.BatchStartedAt is not { } start || request.BatchBudgetSeconds is not { } seconds)
        {
            throw new BadInputException("batchStartedAt and batchBudgetSeconds come together");
        }

        if (seconds is < 1 or > 300)
        {
            throw new BadInputException("batchBudgetSeconds must be between 1 and 300 (an Express child runs at most 5 minutes)");
        }

        return start + TimeSpan.FromSeconds(seconds);
    }
}
