namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>ApiPoller entry point (see docs/ApiPoller-contract.md). Being built: replaced by the real handler.</summary>
public sealed class PageFetcher
{
    /// <summary>Lambda entry point.</summary>
    public Task<Stream> HandleAsync(Stream input) => throw new NotImplementedException("PageFetcher is being built");
}
