using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.Tests.Support;

/// <summary>AWS's documented example credentials and a Rekognition stand-in wired to a recording HTTP handler.</summary>
internal static class TestAws
{
    public const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string SessionToken = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
    public const string Region = "eu-west-1";

    /// <summary>Long-term example credentials (no session token).</summary>
    public static AWSCredentials Basic() => new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>A Rekognition stand-in in <see cref="Region"/> that sends through <paramref name="handler"/> at a fixed clock.</summary>
    public static AmazonRekognitionClientStandIn RekognitionClient(HttpMessageHandler handler, Func<AWSCredentials> credentials, Uri? endpoint, TimeSpan timeout) =>
        new(
            new AwsStandInTransport(
                new HttpClient(handler, disposeHandler: false),
                credentials,
                AmazonRekognitionClientStandIn.ServiceName,
                Region,
                AwsEndpoints.Resolve("rekognition", Region, endpoint),
                new FixedClock(FixedClock.DefaultNow)),
            timeout);
}
