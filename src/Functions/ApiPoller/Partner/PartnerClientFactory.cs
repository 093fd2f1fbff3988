using Patterns.Cdk.Functions.ApiPoller.Secrets;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// Creates the <see cref="PartnerClient"/> of a source: its timeout, politeness and retry settings, and the auth header
/// value read from the source's secret (through the per-container cache). One HTTP client is shared by all.
/// </summary>
internal sealed class PartnerClientFactory(HttpClient http, ISecretReader secrets, PartnerTiming timing, JsonLog log)
{
    public PartnerTiming Timing => timing;

    public async Task<PartnerClient> CreateAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        string? auth = source.AuthSecretArn is { Length: > 0 } arn ? await secrets.GetSecretStringAsync(arn, cancellationToken) : null;
        return new PartnerClient(http, SettingsFor(source, auth), timing, log.With(("source", source.Name)));
    }

    public static PartnerClientSettings SettingsFor(SourceDefinition source, string? authHeaderValue)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new PartnerClientSettings
        {
            RequestTimeout = TimeSpan.FromSeconds(source.RequestTimeoutSeconds),
            RequestsPerSecond = source.RequestsPerSecond,
            MaxConcurrency = source.MaxConcurrency,
            Retry = new PartnerRetryPolicy(
                source.MaxAttempts, PartnerRetryPolicy.DefaultBaseDelay, PartnerRetryPolicy.DefaultMaxDelay, TimeSpan.FromSeconds(source.MaxRetryAfterSeconds)),
            AuthHeaderName = source.AuthHeader,
            AuthHeaderValue = authHeaderValue,
        };
    }
}
