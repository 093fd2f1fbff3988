using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// One fetcher invocation's working set: the job's source and validated parameters, the source's partner client, the
/// time box and the page saver. Shared by <see cref="PageFetcher"/> and <see cref="CursorFetcher"/>.
/// </summary>
internal sealed class FetchSession
{
    private FetchSession(string jobId, SourceDefinition source, JobParameters parameters, PartnerClient client, TimeBox timeBox, PageSaver saver)
    {
        JobId = jobId;
        Source = source;
        Parameters = parameters;
        Client = client;
        TimeBox = timeBox;
        Saver = saver;
    }

    public string JobId { get; }

    public SourceDefinition Source { get; }

    public JobParameters Parameters { get; }

    public PartnerClient Client { get; }

    public TimeBox TimeBox { get; }

    public PageSaver Saver { get; }

    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(Source.RequestTimeoutSeconds);

    /// <remarks><paramref name="deadline"/>: the batch's deadline (PageFetcher in a batch child); null for no budget beyond the invocation.</remarks>
    /// <exception cref="BadInputException">Unknown job or source, or a job of another source.</exception>
    public static async Task<FetchSession> OpenAsync(FetchServices services, string jobId, string sourceName, JsonLog log, CancellationToken cancellationToken, DateTimeOffset? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var timeBox = new TimeBox(services.Clock, services.FunctionTimeout, deadline); // first: the invocation's clock starts now
        if (!JobIds.IsWellFormed(jobId))
        {
            throw new BadInputException("jobId is not 32 lowercase hex characters");
        }

        JobRecord job = await services.Progress.GetJobAsync(jobId, cancellationToken) ?? throw new BadInputException($"unknown job {jobId}");
        if (!string.Equals(job.Source, sourceName, StringComparison.Ordinal))
        {
            throw new BadInputException($"job {jobId} is of source '{job.Source}', not '{sourceName}'");
        }

        SourceDefinition source = services.Catalog.Get(sourceName);
        PartnerClient client = await services.Partners.CreateAsync(source, cancellationToken);
        var saver = new PageSaver(services.Store, services.RequiredQueue, services.Progress, log);
        return new FetchSession(jobId, source, JobParameters.FromStoredJson(job.Parameters), client, timeBox, saver);
    }

    /// <summary>Fetches and saves one page; a classified failure is recorded as FETCH_FAILED and returned as false.</summary>
    /// <returns>The saved page's captured cursor (<see cref="FetchOutcome.Cursor"/>) or the failure.</returns>
    /// <exception cref="OutOfTimeException">The page was not attempted to the end: it stays PLANNED, for the next invocation.</exception>
    public async Task<FetchOutcome> FetchAndSaveAsync(int page, Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            await using SpooledPage spooled = await PageDownload.FetchAsync(Client, Source, uri, TimeBox.End, cancellationToken);
            await Saver.SaveAsync(JobId, Source.Name, page, spooled, cancellationToken);
            return new FetchOutcome(true, spooled.Cursor, null);
        }
        catch (PartnerFetchException e)
        {
            await Saver.RecordFailureAsync(JobId, page, e, cancellationToken);
            return new FetchOutcome(false, null, e.Failure);
        }
    }
}

/// <summary>The result of one page: saved (with the cursor it carries, for cursor sources) or failed.</summary>
internal sealed record FetchOutcome(bool Saved, string? Cursor, FetchFailure? Failure);
