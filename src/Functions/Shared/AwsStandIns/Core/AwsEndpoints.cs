namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>Where a stand-in client sends its requests.</summary>
public static class AwsEndpoints
{
    /// <summary>
    /// <paramref name="endpointOverride"/> when given (a test endpoint or a local emulator), else the regional endpoint
    /// <c>https://{endpointPrefix}.{region}.amazonaws.com/</c> (<c>amazonaws.com.cn</c> in the China regions).
    /// </summary>
    public static Uri Resolve(string endpointPrefix, string region, Uri? endpointOverride = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpointPrefix);
        ArgumentException.ThrowIfNullOrEmpty(region);
        if (endpointOverride is not null)
        {
            return endpointOverride;
        }

        string suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{endpointPrefix}.{region}.{suffix}/");
    }
}
