namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Exponential backoff with full jitter (the wait before retry <c>n</c> is uniform in [0, min(max, base x 2^(n-1)))),
/// the scheme AWS recommends for clients of a shared service: retries from many callers spread out instead of
/// arriving together. Pure, so every retry policy that uses it is tested with fixed random values.
/// </summary>
public static class FullJitterBackoff
{
    /// <summary>The exclusive upper bound of the wait before retry <paramref name="retry"/> (1 for the wait after the first attempt).</summary>
    public static TimeSpan Ceiling(TimeSpan baseDelay, TimeSpan maxDelay, int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        double ceiling = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(maxDelay.TotalMilliseconds, ceiling));
    }

    /// <summary>The wait before retry <paramref name="retry"/> for a uniform random <paramref name="unitRandom"/> in [0, 1).</summary>
    public static TimeSpan Delay(TimeSpan baseDelay, TimeSpan maxDelay, int retry, double unitRandom)
    {
        if (unitRandom is < 0 or >= 1 || double.IsNaN(unitRandom))
        {
            throw new ArgumentOutOfRangeException(nameof(unitRandom), unitRandom, "Must be in [0, 1).");
        }

        return TimeSpan.FromMilliseconds(Math.Floor(Ceiling(baseDelay, maxDelay, retry).TotalMilliseconds * unitRandom));
    }
}
