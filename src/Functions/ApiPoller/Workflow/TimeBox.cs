namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// The working time of one fetcher invocation. The handler's entry point has no Lambda context, so the function's
/// configured timeout comes from <c>FUNCTION_TIMEOUT_SECONDS</c> and the invocation's start from the clock when it began.
/// <see cref="End"/> keeps <see cref="FinishReserve"/> for the last pointer batch and progress writes. A page starts only
/// while at least twice the request timeout is left (docs/ApiPoller-contract.md), and the partner client starts no attempt
/// that could not end by <see cref="End"/>; the pages not started are handed back to the workflow.
/// </summary>
internal sealed class TimeBox
{
    public static readonly TimeSpan FinishReserve = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _clock;

    public TimeBox(TimeProvider clock, TimeSpan functionTimeout)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        End = clock.GetUtcNow() + functionTimeout - FinishReserve;
    }

    /// <summary>No request may still run after this.</summary>
    public DateTimeOffset End { get; }

    public TimeSpan Remaining => End - _clock.GetUtcNow();

    /// <summary>Whether a page may start: at least two request timeouts are left.</summary>
    public bool HasTimeForPage(TimeSpan requestTimeout) => Remaining >= requestTimeout * 2;
}
