namespace Patterns.Cdk.ApiPoller;

/// <summary>A job that starts on a schedule (EventBridge Scheduler) instead of through the API.</summary>
public sealed class JobSchedule
{
    /// <summary>Schedule name (<c>^[a-z0-9][a-z0-9-]{0,62}$</c>), unique in one poller; with the scheduled time it makes the job id, so a duplicate delivery starts no second job. Required.</summary>
    public required string Name { get; init; }

    /// <summary>Name of the <see cref="PartnerSource"/> to synchronise. Required.</summary>
    public required string Source { get; init; }

    /// <summary>EventBridge Scheduler expression: <c>cron(0 2 * * ? *)</c>, <c>rate(6 hours)</c> or <c>at(2025-01-01T00:00:00)</c>. Required.</summary>
    public required string Expression { get; init; }

    /// <summary>IANA time zone the expression is evaluated in, e.g. <c>Europe/Paris</c>. Default: <c>UTC</c>.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Job parameters, validated at synth against the source's <see cref="PartnerSource.Parameters"/>. Default: none.</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }
}

/// <summary>Who may call the job API.</summary>
public enum ApiAuthorization
{
    /// <summary>SigV4-signed requests from principals granted <c>execute-api:Invoke</c> (<see cref="ApiPoller.GrantStartJobs"/>, <see cref="ApiPoller.GrantReadJobs"/>).</summary>
    Iam,

    /// <summary>No authorization at all: anyone who knows the URL can start jobs. Emits a warning; only for a private test account.</summary>
    None,
}
