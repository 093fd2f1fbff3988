namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// State of one task (page). Stored as the number <c>p{page}</c> on the page's progress item; a page without the
/// attribute is <see cref="Planned"/>. The rank is <c>code / 10</c> and a page only ever moves to a higher rank, so
/// the three terminal states (rank 3) never replace one another and nothing replaces them.
/// </summary>
internal enum TaskState
{
    Planned = 0,
    Saved = 10,
    Enqueued = 20,
    Completed = 30,
    FetchFailed = 31,
    ProcessingFailed = 32,
}

internal static class TaskStateRules
{
    /// <summary>The recorded states (everything but <see cref="TaskState.Planned"/>), in code order.</summary>
    public static IReadOnlyList<TaskState> Recorded { get; } =
        [TaskState.Saved, TaskState.Enqueued, TaskState.Completed, TaskState.FetchFailed, TaskState.ProcessingFailed];

    public static int Code(this TaskState state) => (int)state;

    public static int Rank(this TaskState state) => (int)state / 10;

    public static bool IsTerminal(this TaskState state) => state.Rank() == 3;

    public static bool IsFailure(this TaskState state) => state is TaskState.FetchFailed or TaskState.ProcessingFailed;

    /// <summary>The API's spelling: <c>PLANNED</c>, <c>SAVED</c>, <c>ENQUEUED</c>, <c>COMPLETED</c>, <c>FETCH_FAILED</c>, <c>PROCESSING_FAILED</c>.</summary>
    public static string ToApiName(this TaskState state) => state switch
    {
        TaskState.Planned => "PLANNED",
        TaskState.Saved => "SAVED",
        TaskState.Enqueued => "ENQUEUED",
        TaskState.Completed => "COMPLETED",
        TaskState.FetchFailed => "FETCH_FAILED",
        TaskState.ProcessingFailed => "PROCESSING_FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a task state"),
    };

    /// <summary>The counter attribute of a recorded state (<c>saved</c>, <c>enqueued</c>, ...); null for <see cref="TaskState.Planned"/>.</summary>
    public static string? CounterAttribute(this TaskState state) => state switch
    {
        TaskState.Saved => ProgressTable.Saved,
        TaskState.Enqueued => ProgressTable.Enqueued,
        TaskState.Completed => ProgressTable.Completed,
        TaskState.FetchFailed => ProgressTable.FetchFailed,
        TaskState.ProcessingFailed => ProgressTable.ProcessingFailed,
        _ => null,
    };

    /// <summary>Reads a stored code; unknown codes are rejected rather than guessed.</summary>
    public static bool TryFromCode(int code, out TaskState state)
    {
        state = (TaskState)code;
        return code == 0 || Recorded.Contains(state);
    }
}
