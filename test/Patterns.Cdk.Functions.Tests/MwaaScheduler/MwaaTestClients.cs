using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

internal static class MwaaTestClients
{
    /// <summary>An MWAA stand-in in eu-west-1 that sends through <paramref name="handler"/> (regional endpoint unless <paramref name="endpoint"/>).</summary>
    public static AmazonMWAAClientStandIn Mwaa(HttpMessageHandler handler, Uri? endpoint = null, TimeSpan? timeout = null) =>
        new(
            new AwsStandInTransport(
                new HttpClient(handler, disposeHandler: false),
                TestAws.Basic,
                AmazonMWAAClientStandIn.SigningName,
                TestAws.Region,
                AwsEndpoints.Resolve(AmazonMWAAClientStandIn.EndpointPrefix, TestAws.Region, endpoint),
                new FixedClock(FixedClock.DefaultNow)),
            timeout ?? TimeSpan.FromSeconds(5));
}
