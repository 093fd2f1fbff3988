namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>Full-jitter exponential backoff: attempt n (1-based) waits a uniform random time in [0, min(cap, base × 2^(n-1))).</summary>
internal static class Backoff
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    public static TimeSpan Delay(TimeSpan baseDelay, int attempt)
    {
        double ceiling = Math.Min(Cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20)));
#pragma warning disable CA5394 // jitter, not security
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
    }
}
