using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>
/// How the detector retries throttling and service errors: at most <see cref="MaxAttempts"/> requests, waiting before
/// retry <c>n</c> (1-based) a random time in <c>[0, min(MaxDelay, BaseDelay * 2^(n-1)))</c> ("full jitter"), so that
/// workers throttled together do not retry together.
/// </summary>
/// <param name="MaxAttempts">Requests in total, the first included (default 4).</param>
/// <param name="BaseDelay">Upper bound of the first wait (default 200 ms).</param>
/// <param name="MaxDelay">Cap of every wait (default 5 s).</param>
/// <param name="AttemptTimeout">How long one request may take before it counts as a transient failure (default 10 s).</param>
public sealed record DetectionRetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan AttemptTimeout)
{
    /// <summary>4 attempts, 200 ms base, 5 s cap, 10 s per attempt.</summary>
    public static DetectionRetryPolicy Default { get; } =
        new(4, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

    /// <summary>The exclusive upper bound of the wait before retry <paramref name="retry"/> (1 for the wait after the first attempt).</summary>
    public TimeSpan DelayCeiling(int retry) => FullJitterBackoff.Ceiling(BaseDelay, MaxDelay, retry);

    /// <summary>The wait before retry <paramref name="retry"/> for a uniform random <paramref name="unitRandom"/> in [0, 1).</summary>
    public TimeSpan Delay(int retry, double unitRandom) => FullJitterBackoff.Delay(BaseDelay, MaxDelay, retry, unitRandom);

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxAttempts < 1 || BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay || AttemptTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Invalid retry policy {this}: MaxAttempts >= 1, 0 <= BaseDelay <= MaxDelay, AttemptTimeout > 0.");
        }
    }
}
