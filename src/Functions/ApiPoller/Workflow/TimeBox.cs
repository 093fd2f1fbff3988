namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// The working time of one fetcher invocation. The handler's entry point has no Lambda context, so the function's
/// configured timeout comes from <c>FUNCTION_TIMEOUT_SECONDS</c> and the invocation's start from the clock when it began.
/// <see cref="End"/> keeps <see cref="FinishReserve"/> for the last pointer batch and progress writes. A page starts only
/// while at least twice the request timeout is left (docs/ApiPoller-contract.md), and the partner client starts no attempt
/// that could not end by <see cref="End"/>; the pages not started are handed back to the workflow.
/// A batch child also passes its deadline (its start plus the batch budget, docs/ApiPoller-contract.md): the box then
/// ends at whichever comes first, and <see cref="BudgetSpent"/> tells the workflow that the batch has no time left.
/// </summary>
internal sealed class TimeBox
{
    public static readonly TimeSpan FinishReserve = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _clock;

    /// <param name="clock">The clock; the invocation starts now.</param>
    /// <param name="functionTimeout">The function's configured timeout.</param>
    /// <param name="deadline">When the batch's whole budget ends (across invocations); null when there is none.</param>
    public TimeBox(TimeProvider clock, TimeSpan functionTimeout, DateTimeOffset? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        DateTimeOffset invocationEnd = clock.GetUtcNow() + functionTimeout - FinishReserve;
        BudgetEnd = deadline - FinishReserve;
        End = BudgetEnd is { } budgetEnd && budgetEnd < invocationEnd ? budgetEnd : invocationEnd;
    }

    /// <summary>No request may still run after this.</summary>
    public DateTimeOffset End { get; }

    /// <summary>The batch's deadline less <see cref="FinishReserve"/>; null when the caller gave no deadline.</summary>
    public DateTimeOffset? BudgetEnd { get; }

    public TimeSpan Remaining => End - _clock.GetUtcNow();

    /// <summary>Whether a page may start: at least two request timeouts are left.</summary>
    public bool HasTimeForPage(TimeSpan requestTimeout) => Remaining >= requestTimeout * 2;

    /// <summary>
    /// Whether the batch's budget has no room for another page, in this invocation or a later one: the workflow then
    /// records the batch as failed instead of calling again. False without a deadline.
    /// </summary>
    public bool BudgetSpent(TimeSpan requestTimeout) => BudgetEnd is { } budgetEnd && budgetEnd - _clock.GetUtcNow() < requestTimeout * 2;
}
