using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace Patterns.Cdk.Uploads.Client.Tests.Fakes;

/// <summary>
/// Checks a received API request's SigV4 signature the way the service would: rebuilds the canonical request from
/// what arrived (method, host as sent, path, the headers listed in SignedHeaders, the body), signs it with the SDK's
/// own signer and the caller's known secret key, and compares. Independent of the client's signing code.
/// </summary>
internal static partial class SigV4Verifier
{
    private static readonly AWS4Signer Signer = new(signPayload: true);

    /// <summary>The access key id of a valid signature, or the reason it is not valid.</summary>
    public static (string? AccessKey, string? Problem) Verify(HttpRequestMessage request, byte[] body, IReadOnlyDictionary<string, string> secrets, string region)
    {
        string? authorization = request.Headers.TryGetValues("Authorization", out var values) ? values.Single() : null;
        if (authorization is null)
        {
            return (null, "no Authorization header");
        }

        Match match = AuthorizationPattern().Match(authorization);
        if (!match.Success)
        {
            return (null, $"malformed Authorization header: {authorization}");
        }

        string accessKey = match.Groups["key"].Value;
        if (match.Groups["region"].Value != region || match.Groups["service"].Value != "execute-api")
        {
            return (null, $"wrong credential scope {match.Groups["region"].Value}/{match.Groups["service"].Value}");
        }

        if (!secrets.TryGetValue(accessKey, out string? secret))
        {
            return (null, $"unknown access key {accessKey}");
        }

        string[] signedHeaders = match.Groups["headers"].Value.Split(';');
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
        {
            return (null, "host or x-amz-date not signed");
        }

        string host = request.Headers.Host ?? request.RequestUri!.Authority;
        var dateText = request.Headers.GetValues("X-Amz-Date").Single();
        DateTime signedAt = DateTime.ParseExact(dateText, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        using var canonical = new DefaultRequest(new Marker(), "execute-api")
        {
            HttpMethod = request.Method.Method,
            Endpoint = new Uri($"{request.RequestUri!.Scheme}://{host}/"),
            ResourcePath = request.RequestUri.AbsolutePath,
            Content = body,
            OverrideSigningServiceName = "execute-api",
            AuthenticationRegion = region,
        };
        foreach (string name in signedHeaders.Where(h => h is not "host" and not "x-amz-date" and not "x-amz-content-sha256"))
        {
            string? value = request.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
                : request.Content?.Headers.TryGetValues(name, out var cv) == true ? string.Join(",", cv) : null;
            if (value is null)
            {
                return (null, $"signed header {name} was not sent");
            }

            canonical.Headers[name] = value;
        }

        var config = new Config(region);
        AWS4SigningResult expected = Signer.SignRequest(canonical, config, metrics: null, accessKey, secret, signedAt);
        if (expected.SignedHeaders != match.Groups["headers"].Value)
        {
            return (null, $"signed headers differ: sent {match.Groups["headers"].Value}, canonical {expected.SignedHeaders}");
        }

        return expected.Signature == match.Groups["signature"].Value ? (accessKey, null) : (null, "signature does not match");
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z-]+)/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationPattern();

    private sealed class Marker : AmazonWebServiceRequest;

    private sealed class Config : ClientConfig
    {
        public Config(string region)
            : base(new Provider())
        {
            AuthenticationRegion = region;
            AuthenticationServiceName = "execute-api";
        }

        public override string ServiceVersion => "test";

        public override string UserAgent => "test";

        public override string RegionEndpointServiceName => "execute-api";

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) => throw new NotSupportedException();
    }

    private sealed class Provider : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}
