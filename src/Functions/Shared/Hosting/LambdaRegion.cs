using Amazon;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>The function's region as Lambda sets it (<c>AWS_REGION</c>), for the AWS SDK clients a handler's Lambda constructor creates.</summary>
public static class LambdaRegion
{
    /// <summary>The region name.</summary>
    /// <exception cref="InvalidOperationException"><c>AWS_REGION</c> is not set (outside Lambda).</exception>
    public static string Name =>
        Environment.GetEnvironmentVariable("AWS_REGION")
        ?? throw new InvalidOperationException("AWS_REGION is not set; Lambda sets it for every function.");

    /// <summary>The region's endpoint for an SDK client.</summary>
    public static RegionEndpoint Endpoint => RegionEndpoint.GetBySystemName(Name);
}
