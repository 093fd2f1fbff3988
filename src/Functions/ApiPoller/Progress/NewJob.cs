using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>A job about to be created (status REQUESTED): validated parameters and the hash of its canonical request.</summary>
internal sealed record NewJob
{
    private NewJob(string jobId, string source, JobParameters parameters, string trigger, string? createdBy)
    {
        JobId = jobId;
        CreatedBy = createdBy;
        Source = source;
        Parameters = parameters;
        Trigger = trigger;
        Request = CanonicalRequest.For(source, parameters);
    }

    public string JobId { get; }

    public string Source { get; }

    public JobParameters Parameters { get; }

    /// <summary><see cref="ProgressTable.TriggerApi"/> or <see cref="ProgressTable.TriggerSchedule"/>.</summary>
    public string Trigger { get; }

    public CanonicalRequest Request { get; }

    /// <summary>The principal that started the job through the API (see <c>JobCaller</c>); null for a scheduled job.</summary>
    public string? CreatedBy { get; }

    /// <param name="jobId">See <see cref="JobIds"/>.</param>
    /// <param name="source">The source the job reads.</param>
    /// <param name="parameters">Parameters validated against <paramref name="source"/>'s schema (<see cref="JobParameters.Validate(SourceDefinition, System.Text.Json.JsonElement?)"/>).</param>
    /// <param name="trigger"><see cref="ProgressTable.TriggerApi"/> or <see cref="ProgressTable.TriggerSchedule"/>.</param>
    /// <param name="createdBy">The calling principal of an API job; null for a scheduled one (no caller).</param>
    public static NewJob Create(string jobId, SourceDefinition source, JobParameters parameters, string trigger, string? createdBy = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!JobIds.IsWellFormed(jobId))
        {
            throw new ArgumentException("a job id is 32 lowercase hex characters", nameof(jobId));
        }

        if (trigger is not (ProgressTable.TriggerApi or ProgressTable.TriggerSchedule))
        {
            throw new ArgumentException("the trigger is 'api' or 'schedule'", nameof(trigger));
        }

        if (createdBy is { Length: 0 } || (createdBy is not null && trigger == ProgressTable.TriggerSchedule))
        {
            throw new ArgumentException("a creator is a principal, and a scheduled job has none", nameof(createdBy));
        }

        return new NewJob(jobId, source.Name, parameters, trigger, createdBy);
    }
}
