namespace Patterns.Cdk.Functions.ApiPoller;

/// <summary>ApiPoller entry point (see docs/ApiPoller-contract.md). Being built: replaced by the real handler.</summary>
public sealed class TaskConsumer
{
    /// <summary>Lambda entry point.</summary>
    public Task<Stream> HandleAsync(Stream input) => throw new NotImplementedException("TaskConsumer is being built");
}
