using Patterns.Cdk.Functions.ApiPoller.Partner;
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
/// Handler: <c>ApiPoller.Handlers::Patterns.Cdk.Functions.ApiPoller.CursorFetcher::HandleAsync</c>.
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
            }
        }
        catch (OutOfTimeException e)
        {
            log.Info("time box reached during a page's retries; the page is fetched by the next call", ("page", page), ("reason", e.Message));
        }

        await session.Saver.FlushAsync(cancellationToken);
        int lastPage = page - 1;
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
        return new CursorProgress { Cursor = done ? null : cursor, NextPage = page, Iteration = state.Iteration + 1, Generation = state.Generation, Done = done };
    }
}
