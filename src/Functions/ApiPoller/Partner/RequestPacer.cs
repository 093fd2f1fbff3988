namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// Spaces the requests of one worker so that the whole job stays within the source's <c>requestsPerSecond</c>:
/// up to <c>maxConcurrency</c> workers run at once (the Distributed Map's MaxConcurrency), so each worker gets
/// <c>requestsPerSecond / maxConcurrency</c>, that is one request start every <see cref="Interval"/>. Every attempt,
/// retries included, takes a turn. Thread-safe.
/// </summary>
internal sealed class RequestPacer
{
    private readonly TimeProvider _clock;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Lock _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public RequestPacer(double requestsPerSecond, int maxConcurrency, TimeProvider clock, Func<TimeSpan, CancellationToken, Task> delay)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrency);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(delay);
        Interval = TimeSpan.FromSeconds(maxConcurrency / requestsPerSecond);
        _clock = clock;
        _delay = delay;
    }

    /// <summary>The least time between two request starts of this worker.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Waits until this worker may start its next request, and books that start.</summary>
    public async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            DateTimeOffset now = _clock.GetUtcNow();
            DateTimeOffset start = _next > now ? _next : now;
            _next = start + Interval;
            wait = start - now;
        }

        if (wait > TimeSpan.Zero)
        {
            await _delay(wait, cancellationToken);
        }
    }
}
