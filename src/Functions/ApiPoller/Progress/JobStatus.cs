namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// Status of a job item (<c>status</c>). Monotonic: a job only moves to a status of higher <see cref="JobStatusRules.Rank"/>;
/// <see cref="Fetched"/> and <see cref="Failed"/> share the last rank, so neither replaces the other.
/// </summary>
internal enum JobStatus
{
    /// <summary>REQUESTED (rank 0): written by POST /jobs (or the planner, for a scheduled job).</summary>
    Requested,

    /// <summary>PLANNING (rank 1): the planner owns the job.</summary>
    Planning,

    /// <summary>FETCHING (rank 2): pages are being fetched; <c>totalPages</c> is known except for cursor jobs.</summary>
    Fetching,

    /// <summary>FETCHED (rank 3): every page was attempted (the workflow's CompleteFetching).</summary>
    Fetched,

    /// <summary>FAILED (rank 3): the workflow failed (RecordJobFailure).</summary>
    Failed,
}

internal static class JobStatusRules
{
    private static readonly string[] Names = ["REQUESTED", "PLANNING", "FETCHING", "FETCHED", "FAILED"];

    public static int Rank(this JobStatus status) => status switch
    {
        JobStatus.Requested => 0,
        JobStatus.Planning => 1,
        JobStatus.Fetching => 2,
        JobStatus.Fetched or JobStatus.Failed => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a job status"),
    };

    /// <summary>The stored spelling: <c>REQUESTED</c>, <c>PLANNING</c>, <c>FETCHING</c>, <c>FETCHED</c>, <c>FAILED</c>.</summary>
    public static string ToStoredName(this JobStatus status) => Names[(int)status];

    public static bool TryParse(string? stored, out JobStatus status)
    {
        int index = Array.IndexOf(Names, stored);
        status = (JobStatus)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>The statuses a job may move to <paramref name="target"/> from: every status of lower rank.</summary>
    public static IReadOnlyList<JobStatus> Predecessors(this JobStatus target) =>
        Enum.GetValues<JobStatus>().Where(status => status.Rank() < target.Rank()).ToArray();
}
