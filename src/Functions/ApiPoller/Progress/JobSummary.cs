namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>The exact counters of a job's pages: the sums of the counters of its progress items.</summary>
internal sealed record TaskCounts(long Saved, long Enqueued, long Completed, long FetchFailed, long ProcessingFailed)
{
    public static TaskCounts Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Pages with a recorded state.</summary>
    public long Recorded => Saved + Enqueued + Completed + FetchFailed + ProcessingFailed;

    public TaskCounts Add(TaskCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Saved + other.Saved, Enqueued + other.Enqueued, Completed + other.Completed, FetchFailed + other.FetchFailed, ProcessingFailed + other.ProcessingFailed);
    }
}

/// <summary>The overall state GET /jobs/{id} reports, derived from the job's status and its counters.</summary>
internal enum JobState
{
    Pending,
    Running,
    Processing,
    Completed,
    CompletedWithFailures,
    Failed,
}

/// <summary>
/// A job with its counters, and what follows from them (docs/ApiPoller-contract.md, "HTTP API"):
/// <list type="bullet">
/// <item><c>planned = totalPages - recorded</c> while fetching; once the job is FETCHED those pages will never be
/// fetched (their batch failed), so they are reported as <see cref="NotFetched"/> instead.</item>
/// <item><see cref="State"/>: REQUESTED/PLANNING → PENDING; FETCHING → RUNNING; FETCHED with saved or enqueued pages →
/// PROCESSING; FETCHED with every page terminal → COMPLETED, or COMPLETED_WITH_FAILURES when a page failed, was not
/// fetched or a batch failed; FAILED → FAILED.</item>
/// <item><see cref="Progress"/>: terminal pages (completed, failed, not fetched) / totalPages, 0..1.</item>
/// </list>
/// </summary>
internal sealed record JobSummary
{
    public JobSummary(JobRecord job, TaskCounts counts)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(counts);
        Job = job;
        Counts = counts;
        long unrecorded = job.TotalPages is { } total ? Math.Max(0, total - counts.Recorded) : 0;
        bool fetchingIsOver = job.Status == JobStatus.Fetched;
        Planned = fetchingIsOver ? 0 : unrecorded;
        NotFetched = fetchingIsOver ? unrecorded : 0;
        State = Derive(job, counts, NotFetched);
        Progress = ProgressOf(job, counts, NotFetched, State);
    }

    public JobRecord Job { get; }

    public TaskCounts Counts { get; }

    public long Planned { get; }

    public long NotFetched { get; }

    public JobState State { get; }

    public double Progress { get; }

    /// <summary><c>PENDING</c>, <c>RUNNING</c>, <c>PROCESSING</c>, <c>COMPLETED</c>, <c>COMPLETED_WITH_FAILURES</c>, <c>FAILED</c>.</summary>
    public static string ApiName(JobState state) => state switch
    {
        JobState.Pending => "PENDING",
        JobState.Running => "RUNNING",
        JobState.Processing => "PROCESSING",
        JobState.Completed => "COMPLETED",
        JobState.CompletedWithFailures => "COMPLETED_WITH_FAILURES",
        JobState.Failed => "FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a job state"),
    };

    private static JobState Derive(JobRecord job, TaskCounts counts, long notFetched) => job.Status switch
    {
        JobStatus.Requested or JobStatus.Planning => JobState.Pending,
        JobStatus.Fetching => JobState.Running,
        JobStatus.Failed => JobState.Failed,
        _ when counts.Saved + counts.Enqueued > 0 => JobState.Processing,
        _ when counts.FetchFailed + counts.ProcessingFailed + notFetched > 0 || job.FailedBatches > 0 => JobState.CompletedWithFailures,
        _ => JobState.Completed,
    };

    private static double ProgressOf(JobRecord job, TaskCounts counts, long notFetched, JobState state)
    {
        if (job.TotalPages is not ({ } total and > 0))
        {
            return state is JobState.Completed or JobState.CompletedWithFailures ? 1 : 0;
        }

        long terminal = counts.Completed + counts.FetchFailed + counts.ProcessingFailed + notFetched;
        return Math.Clamp((double)terminal / total, 0, 1);
    }
}
