namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// A recurring time during which the environment is paused: the pause workflow starts when <see cref="Pause"/> fires and
/// the resume workflow when <see cref="Resume"/> fires, both evaluated in the scheduler's time zone (<c>MwaaSchedulerProps.TimeZone</c>).
/// </summary>
public sealed class PauseWindow
{
    /// <summary>Window name (<c>^[a-z0-9][a-z0-9-]{0,30}$</c>), unique in one scheduler; it names the two schedules (<c>Pause-&lt;name&gt;</c>, <c>Resume-&lt;name&gt;</c>). Required.</summary>
    public required string Name { get; init; }

    /// <summary>EventBridge Scheduler expression that starts the pause, e.g. <c>cron(0 19 ? * MON-FRI *)</c>; <c>cron(...)</c> or <c>rate(...)</c>, not <c>at(...)</c>. Required.</summary>
    public required string Pause { get; init; }

    /// <summary>EventBridge Scheduler expression that starts the resume, e.g. <c>cron(0 7 ? * MON-FRI *)</c>; <c>cron(...)</c> or <c>rate(...)</c>, not <c>at(...)</c>. Required.</summary>
    public required string Resume { get; init; }
}
