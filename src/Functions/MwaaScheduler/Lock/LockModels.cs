namespace Patterns.Cdk.Functions.MwaaScheduler.Lock;

/// <summary>MwaaLock's input: <c>{"action":"acquire","lockName","owner","operation","ttlSeconds"}</c> or <c>{"action":"release","lockName","owner"}</c>.</summary>
public sealed class LockInput
{
    public string? Action { get; init; }

    public string? LockName { get; init; }

    /// <summary>The holder: the workflow execution's id.</summary>
    public string? Owner { get; init; }

    /// <summary><c>pause</c> or <c>resume</c> (anything short: it is reported to whoever finds the lock held).</summary>
    public string? Operation { get; init; }

    public long? TtlSeconds { get; init; }
}

/// <summary>acquire's output.</summary>
public sealed record AcquireOutput(bool Acquired, long ExpiresAt);

/// <summary>release's output: false when the lock was not held by this owner (nothing deleted).</summary>
public sealed record ReleaseOutput(bool Released);
