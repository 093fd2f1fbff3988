using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// How a page request is retried: at most <see cref="MaxAttempts"/> requests. Before retry <c>n</c> (1-based) of a
/// server error, timeout or network error the client waits a random time in <c>[0, min(MaxDelay, BaseDelay * 2^(n-1)))</c>
/// ("full jitter": workers that failed together do not come back together). A 429 waits what its <c>Retry-After</c>
/// asks (at least the jittered backoff when it asks nothing), and gives up at once when it asks more than
/// <see cref="MaxRetryAfter"/>: retrying earlier than the partner asked would be impolite, and waiting longer than the
/// source allows would hold the worker.
/// </summary>
internal sealed record PartnerRetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan MaxRetryAfter)
{
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(20);

    /// <summary>The exclusive upper bound of the backoff before retry <paramref name="retry"/> (1 for the wait after the first attempt).</summary>
    public TimeSpan Ceiling(int retry) => FullJitterBackoff.Ceiling(BaseDelay, MaxDelay, retry);

    /// <summary>The backoff before retry <paramref name="retry"/> for a uniform random <paramref name="unitRandom"/> in [0, 1).</summary>
    public TimeSpan Backoff(int retry, double unitRandom) => FullJitterBackoff.Delay(BaseDelay, MaxDelay, retry, unitRandom);

    /// <summary>
    /// The wait before retrying a 429: the Retry-After when given (null when it exceeds <see cref="MaxRetryAfter"/>:
    /// give up), else the jittered backoff.
    /// </summary>
    public TimeSpan? ThrottledWait(TimeSpan? retryAfter, int retry, double unitRandom) => retryAfter switch
    {
        { } asked when asked > MaxRetryAfter => null,
        { } asked => asked,
        null => Backoff(retry, unitRandom),
    };

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxAttempts < 1 || BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay || MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentException($"Invalid retry policy {this}: MaxAttempts >= 1, 0 <= BaseDelay <= MaxDelay, MaxRetryAfter >= 0.");
        }
    }
}
