using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>
/// The workflow's first step (<c>PlanJob</c>): registers the job and plans its pages (docs/ApiPoller-contract.md).
/// <list type="number">
/// <item>Finds the job: by <c>jobId</c> (started by the Pipe from POST /jobs), or creates it for a schedule run with the id
/// derived from the schedule's name and scheduled time, so a duplicate delivery names the same job.</item>
/// <item>Moves it to PLANNING (conditional). A job already FETCHING or done belongs to another execution: <c>duplicate</c>.</item>
/// <item>Cursor sources cannot be planned ahead: <c>cursor</c>. PageNumber and OffsetLimit sources: the first page is
/// streamed only to read its top-level <c>totalField</c> (items), giving <c>ceil(total / pageSize)</c> pages, capped at
/// <c>maxPages</c>. None: <c>empty</c>. Otherwise the manifest <c>[{"page":1},...]</c> is streamed to
/// <c>jobs/{jobId}/plan.json</c> through a temporary file: <c>fanout</c>.</item>
/// <item>Moves the job to FETCHING with <c>totalPages</c>, and returns the plan.</item>
/// </list>
/// An unknown job or source, or invalid schedule parameters, is bad input (<see cref="BadInputException"/>): the workflow
/// records the job as FAILED. A first page that cannot be fetched fails the invocation with <see cref="PartnerFetchException"/>.
/// Handler string: <c>JobPlanner</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class JobPlanner
{
    private readonly FetchServices _services;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the clients once.</summary>
    public JobPlanner()
        : this(JsonLog.CreateDefault())
    {
    }

    internal JobPlanner(FetchServices services, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(log);
        _services = services;
        _log = log;
    }

    private JobPlanner(JsonLog log)
        : this(FetchServices.FromEnvironment(Environment.GetEnvironmentVariable, log, needsQueue: false, nameof(JobPlanner)), log)
    {
    }

    /// <summary>Handles <c>{"input": ..., "executionId": ...}</c> and returns the plan.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        PlanRequest request = await LambdaJson.ReadAsync(input, FetchJsonContext.Default.PlanRequest);
        JobPlan plan = await PlanAsync(request, CancellationToken.None);
        return LambdaJson.Write(plan, FetchJsonContext.Default.JobPlan);
    });

    internal async Task<JobPlan> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        var timeBox = new TimeBox(_services.Clock, _services.FunctionTimeout);
        JobRecord job = await FindOrCreateJobAsync(request.Input, cancellationToken);
        JsonLog log = _log.With(("jobId", job.JobId), ("source", job.Source), ("executionId", request.ExecutionId));
        SourceDefinition source = _services.Catalog.Get(job.Source);
        JobMove move = await _services.Progress.MoveJobAsync(
            job.JobId, JobStatus.Planning, owner: request.ExecutionId, cancellationToken: cancellationToken);

        // PLANNING or FETCHING already, planned by this execution: this step is being retried after an invocation
        // whose response was lost; planning again is safe (same manifest, conditional writes). Planned by another
        // execution, or further on, the job belongs to that execution: the pipe delivers at least once, so two executions may start
        // for one job at the same moment, and only the first to reach PLANNING fetches.
        if (move.Outcome == JobMoveOutcome.NotFound)
        {
            throw new BadInputException($"job {job.JobId} disappeared while it was being planned");
        }

        if (move.Outcome == JobMoveOutcome.AlreadyAtOrPast && !IsOwnRetry(move, request.ExecutionId))
        {
            log.Info("job already started by another execution; this one stops", ("status", move.Current?.ToStoredName()));
            return Plan(job, source, PlanModes.Duplicate, totalPages: null);
        }

        if (source.Pagination == PaginationStrategy.Cursor)
        {
            await _services.Progress.MoveJobAsync(job.JobId, JobStatus.Fetching, cancellationToken: cancellationToken);
            log.Info("cursor job planned: pages are fetched one after the other");
            return Plan(job, source, PlanModes.Cursor, totalPages: null);
        }

        int totalPages = await CountPagesAsync(job, source, timeBox.End, cancellationToken);
        JobPlan plan = totalPages == 0
            ? Plan(job, source, PlanModes.Empty, totalPages: 0)
            : await WriteManifestAsync(Plan(job, source, PlanModes.Fanout, totalPages), cancellationToken);
        await _services.Progress.MoveJobAsync(job.JobId, JobStatus.Fetching, totalPages, cancellationToken: cancellationToken);
        log.Info("job planned", ("mode", plan.Mode), ("totalPages", totalPages), ("manifestKey", plan.ManifestKey));
        return plan;
    }

    /// <summary>
    /// This execution's PlanJob step running again (a Lambda retry after a lost response): the job is PLANNING, or
    /// already FETCHING, under this execution's id. A job moved to PLANNING without an owner counts as this one's.
    /// </summary>
    private static bool IsOwnRetry(JobMove move, string? executionId) => move.Current switch
    {
        JobStatus.Planning => move.PlannedBy is null || string.Equals(move.PlannedBy, executionId, StringComparison.Ordinal),
        JobStatus.Fetching => executionId is not null && string.Equals(move.PlannedBy, executionId, StringComparison.Ordinal),
        _ => false,
    };

    private async Task<JobRecord> FindOrCreateJobAsync(OrchestratorInput input, CancellationToken cancellationToken)
    {
        if (input.JobId is { } jobId)
        {
            return JobIds.IsWellFormed(jobId)
                ? await _services.Progress.GetJobAsync(jobId, cancellationToken) ?? throw new BadInputException($"unknown job {jobId}")
                : throw new BadInputException("jobId is not 32 lowercase hex characters");
        }

        if (input is not { Schedule: { } schedule, ScheduledTime: { Length: > 0 } scheduledTime })
        {
            throw new BadInputException("the execution input has neither a jobId nor a schedule with a scheduledTime");
        }

        SourceDefinition source = _services.Catalog.Get(schedule.Source);
        ParameterValidation parameters = JobParameters.Validate(source, schedule.Parameters);
        if (parameters.Parameters is not { } valid)
        {
            throw new BadInputException($"schedule '{schedule.Name}' has invalid parameters: {string.Join("; ", parameters.Problems)}");
        }

        var job = NewJob.Create(JobIds.FromSchedule(schedule.Name, scheduledTime), source, valid, ProgressTable.TriggerSchedule);
        return (await _services.Progress.CreateJobAsync(job, cancellationToken)).Job;
    }

    // No retry of the first page starts that could not end before the function times out: a clean, classified failure instead.
    private async Task<int> CountPagesAsync(JobRecord job, SourceDefinition source, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        PartnerClient client = await _services.Partners.CreateAsync(source, cancellationToken);
        Uri first = PageUrlBuilder.ForPage(source, JobParameters.FromStoredJson(job.Parameters), 1);
        await using SpooledPage page = await PageDownload.FetchAsync(client, source, first, deadline, cancellationToken);
        if (page.Total is not { } totalItems)
        {
            throw new PartnerFetchException(
                new FetchFailure(FailureKind.MalformedJson, null, $"the first page has no top-level number '{source.TotalField}' (the total number of items)"), client.RequestCount);
        }

        return PagesFor(totalItems, source.PageSize, source.MaxPages);
    }

    /// <summary>The pages of <paramref name="totalItems"/> items: <c>ceil(totalItems / pageSize)</c>, at most <paramref name="maxPages"/>.</summary>
    internal static int PagesFor(long totalItems, int pageSize, int maxPages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        long pages = (totalItems / pageSize) + (totalItems % pageSize == 0 ? 0 : 1);
        return (int)Math.Min(pages, maxPages);
    }

    private async Task<JobPlan> WriteManifestAsync(JobPlan plan, CancellationToken cancellationToken)
    {
        string key = PageStore.ManifestKey(plan.JobId);
        string path = Path.Combine(Path.GetTempPath(), $"plan-{plan.JobId}-{Guid.NewGuid():N}.json");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await PageManifest.WriteAsync(file, plan.TotalPages!.Value, cancellationToken);
        long length = file.Length;
        file.Position = 0;
        await _services.Store.PutAsync(key, file, length, cancellationToken);
        return plan with { ManifestBucket = _services.Store.Bucket, ManifestKey = key };
    }

    private JobPlan Plan(JobRecord job, SourceDefinition source, string mode, int? totalPages) => new()
    {
        JobId = job.JobId,
        Source = source.Name,
        Mode = mode,
        TotalPages = totalPages,
        MaxConcurrency = source.MaxConcurrency,
        PagesPerBatch = _services.PagesPerBatch,
    };
}
