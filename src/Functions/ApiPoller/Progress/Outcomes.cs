namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>The result of <see cref="ProgressStore.CreateJobAsync"/>: the job as stored, and whether this call created it.</summary>
/// <param name="Job">The stored job (this call's, or the one that already existed).</param>
/// <param name="Created">False when a job with this id already existed (its stored request may differ: compare <see cref="JobRecord.RequestHash"/>).</param>
internal sealed record JobCreation(bool Created, JobRecord Job);

internal enum JobMoveOutcome
{
    /// <summary>The job moved to the requested status.</summary>
    Moved,

    /// <summary>The job already had that status or one of equal or higher rank: nothing was written (duplicate or late).</summary>
    AlreadyAtOrPast,

    /// <summary>No job has this id.</summary>
    NotFound,
}

/// <summary>The result of <see cref="ProgressStore.MoveJobAsync"/>; <paramref name="Current"/> is the status after the call (null when not found).</summary>
internal sealed record JobMove(JobMoveOutcome Outcome, JobStatus? Current)
{
    /// <summary>When the move did not happen: the execution that planned the job, if one was recorded.</summary>
    public string? PlannedBy { get; init; }
}

internal enum TaskMoveOutcome
{
    /// <summary>The page moved to the requested state and the counters moved with it.</summary>
    Moved,

    /// <summary>The page already had a state of equal or higher rank: nothing was written (duplicate or late delivery).</summary>
    AlreadyAtOrPast,
}

/// <summary>The result of <see cref="ProgressStore.MoveTaskAsync"/>.</summary>
/// <param name="Outcome">Whether this call moved the page.</param>
/// <param name="Previous">The state the page left (Moved), or the state it has (AlreadyAtOrPast).</param>
/// <param name="Attempts">Conditional writes tried: 1 when the assumed previous state was right, more after conflicts.</param>
internal sealed record TaskMove(TaskMoveOutcome Outcome, TaskState Previous, int Attempts)
{
    public int ConditionalRetries => Math.Max(0, Attempts - 1);
}

/// <summary>One task (page) of GET /jobs/{id}/tasks.</summary>
internal sealed record TaskEntry(int Page, TaskState State, string? Failure);

/// <summary>A page of the task listing; <paramref name="NextToken"/> is null on the last one.</summary>
internal sealed record TaskListing(IReadOnlyList<TaskEntry> Tasks, string? NextToken);
