using System.Globalization;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The cursor loop's step (<c>FetchCursorPages</c>): fetches the pages of a Cursor job one after the other, each with the
/// cursor read from the previous page's top-level <c>cursorField</c>, within the invocation's time box, and returns the
/// state to carry (<c>cursor</c>, <c>nextPage</c>, <c>iteration</c>, <c>generation</c>, <c>done</c>). The job is done when a
/// page has no cursor (null, absent or empty), when <c>maxPages</c> pages are fetched, or when a page fails after the
/// retries (it is recorded FETCH_FAILED: without its cursor nothing after it can be reached). When done, the job's
/// <c>totalPages</c> is recorded. Same politeness and retries as the fan-out.
/// A partner that never ends is caught: a page whose cursor was already returned by an earlier page (a repeat, or a cycle
/// of any period, see <see cref="CursorLoopCheck"/>) ends the job FAILED with the reason (<c>CursorLoop: ...</c>) once the
/// pages saved so far are enqueued, and the invocation fails with <see cref="PartnerCursorLoopException"/>, so the
/// workflow takes its failure path instead of fetching the same pages until <c>maxPages</c>.
/// Handler string: <c>CursorFetcher</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class CursorFetcher
{
    private readonly FetchServices _services;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the clients once.</summary>
    public CursorFetcher()
        : this(JsonLog.CreateDefault())
    {
    }

    internal CursorFetcher(FetchServices services, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(log);
        _services = services;
        _log = log;
    }

    private CursorFetcher(JsonLog log)
        : this(FetchServices.FromEnvironment(Environment.GetEnvironmentVariable, log, needsQueue: true, nameof(CursorFetcher)), log)
    {
    }

    /// <summary>Handles <c>{"plan": {...}, "cursor": {...}}</c> (no cursor on the first call) and returns the new cursor state.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        CursorRequest request = await LambdaJson.ReadAsync(input, FetchJsonContext.Default.CursorRequest);
        CursorProgress progress = await FetchAsync(request, CancellationToken.None);
        return LambdaJson.Write(progress, FetchJsonContext.Default.CursorProgress);
    });

    internal async Task<CursorProgress> FetchAsync(CursorRequest request, CancellationToken cancellationToken)
    {
        JobPlan plan = request.Plan;
        CursorProgress state = request.Cursor ?? new CursorProgress { Cursor = null, NextPage = 1, Iteration = 0, Generation = 0, Done = false };
        JsonLog log = _log.With(("jobId", plan.JobId), ("source", plan.Source));
        if (state.Done)
        {
            return state with { Iteration = state.Iteration + 1 };
        }

        FetchSession session = await FetchSession.OpenAsync(_services, plan.JobId, plan.Source, log, cancellationToken);
        if (session.Source.Pagination != PaginationStrategy.Cursor)
        {
            throw new BadInputException($"source '{plan.Source}' does not page by cursor");
        }

        string? cursor = state.Cursor;
        int page = state.NextPage;
        bool done = false;
        int fetchedNow = 0;
        CursorLoopCheck loopCheck = state.LoopCheck ?? CursorLoopCheck.Empty;
        string? loop = null;
        try
        {
            while (!done && session.TimeBox.HasTimeForPage(session.RequestTimeout))
            {
                if (page > session.Source.MaxPages)
                {
                    log.Warn("maxPages reached; the remaining pages of the partner are not fetched", ("maxPages", session.Source.MaxPages));
                    done = true;
                    break;
                }

                FetchOutcome outcome = await session.FetchAndSaveAsync(page, PageUrlBuilder.ForCursor(session.Source, session.Parameters, cursor), cancellationToken);
                fetchedNow++;
                page++;
                cursor = outcome.Cursor;
                done = !outcome.Saved || string.IsNullOrEmpty(cursor);
                if (!done)
                {
                    (loopCheck, int? repeatOf) = loopCheck.Observe(page - 1, cursor!);
                    if (repeatOf is { } earlier)
                    {
                        loop = LoopReason(page - 1, earlier);
                        break;
                    }
                }
            }
        }
        catch (OutOfTimeException e)
        {
            log.Info("time box reached during a page's retries; the page is fetched by the next call", ("page", page), ("reason", e.Message));
        }
        catch (Exception e)
        {
            // Bad input or a transient failure: what was saved before it is still enqueued, never orphaned.
            await session.Saver.FlushBeforeFailingAsync(e);
            throw;
        }

        await session.Saver.FlushAsync(cancellationToken);
        int lastPage = page - 1;
        if (loop is not null)
        {
            await FailLoopingJobAsync(plan.JobId, loop, log, cancellationToken);
        }

        if (done)
        {
            await _services.Progress.RecordTotalPagesAsync(plan.JobId, lastPage, cancellationToken);
        }

        log.Info(
            done ? "cursor job fetched" : "cursor pages fetched; more to come",
            ("pagesThisCall", fetchedNow),
            ("lastPage", lastPage),
            ("failed", session.Saver.Failed),
            ("partnerRequests", session.Client.RequestCount),
            ("iteration", state.Iteration + 1),
            ("generation", state.Generation));
        return new CursorProgress
        {
            Cursor = done ? null : cursor,
            NextPage = page,
            Iteration = state.Iteration + 1,
            Generation = state.Generation,
            Done = done,
            LoopCheck = done ? null : loopCheck,
        };
    }

    private static string LoopReason(int page, int earlier) => earlier > 0
        ? string.Create(CultureInfo.InvariantCulture, $"CursorLoop: page {page} returned the same cursor as page {earlier}, so the partner would repeat pages {earlier + 1}-{page} forever; the job is stopped at page {page}")
        : string.Create(CultureInfo.InvariantCulture, $"CursorLoop: page {page} returned a cursor an earlier page returned, so the partner would repeat its pages forever; the job is stopped at page {page}");

    // The pages fetched so far are saved and enqueued (their consumers run); the job ends FAILED with the reason, and the
    // invocation fails so the workflow records the failure (its RecordJobFailure is then a no-op) and ends failed.
    private async Task FailLoopingJobAsync(string jobId, string reason, JsonLog log, CancellationToken cancellationToken)
    {
        log.Error("the partner returned a cursor it already returned: it never ends; the job fails", ("reason", reason));
        await _services.Progress.MoveJobAsync(jobId, JobStatus.Failed, error: reason, cancellationToken: cancellationToken);
        throw new PartnerCursorLoopException(reason);
    }
}
