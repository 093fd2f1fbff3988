namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>The time and chance a partner client depends on; tests replace them to run retries and pacing without waiting.</summary>
internal sealed record PartnerTiming
{
    public static PartnerTiming System { get; } = new();

    /// <summary>Now, the request timeouts and the time box. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Waits (backoff, Retry-After, pacing). Default: <see cref="Task.Delay(TimeSpan, CancellationToken)"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (delay, cancellationToken) => Task.Delay(delay, cancellationToken);

    /// <summary>A uniform random number in [0, 1) for the jitter. Default: <see cref="Random.Shared"/>.</summary>
    public Func<double> Random { get; init; } = static () => global::System.Random.Shared.NextDouble();
}
