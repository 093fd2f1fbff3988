namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// One recurring out-of-hours window: the environment is paused (exported, verified, deleted) when <see cref="Pause"/>
/// fires and resumed (recreated, imported) when <see cref="Resume"/> fires, both in <see cref="MwaaSchedulerProps.TimeZone"/>.
/// </summary>
public sealed class PauseWindow
{
    /// <summary>Unique short name (<c>^[a-z0-9][a-z0-9-]{0,30}$</c>); it names the two schedules (<c>Pause-&lt;name&gt;</c>, <c>Resume-&lt;name&gt;</c>).</summary>
    public required string Name { get; init; }

    /// <summary>When to pause: an EventBridge Scheduler <c>cron(...)</c> or <c>rate(...)</c> expression (not <c>at(...)</c>).</summary>
    public required string Pause { get; init; }

    /// <summary>When to resume: an EventBridge Scheduler <c>cron(...)</c> or <c>rate(...)</c> expression (not <c>at(...)</c>).</summary>
    public required string Resume { get; init; }
}
