using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime.Internal.Auth;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>
/// Signs a request for the local API the way an SDK client does (service <c>execute-api</c>), with AWSSDK.Core's own
/// canonical request (reached through a subclass: it is protected), so tests do not sign with the host's code.
/// </summary>
public sealed class ApiSigner : AWS4Signer
{
    public static HttpRequestMessage Sign(HttpMethod method, Uri uri, byte[] body, string? contentType, string accessKey, string secretKey, string region = "us-east-1")
    {
        DateTime now = DateTime.UtcNow;
        string amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (contentType is not null)
        {
            headers["content-type"] = contentType;
        }

        string canonical = CanonicalizeRequest(new Uri(uri.GetLeftPart(UriPartial.Authority)), Uri.UnescapeDataString(uri.AbsolutePath), method.Method, headers,
            CanonicalizeQueryParameters(uri.Query.TrimStart('?')), Convert.ToHexStringLower(SHA256.HashData(body)), null, true);
        string signedHeaders = string.Join(';', headers.Keys);
        string signature = ComputeSignature(accessKey, secretKey, region, now, "execute-api", signedHeaders, canonical).Signature;
        var request = new HttpRequestMessage(method, uri) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={accessKey}/{amzDate[..8]}/{region}/execute-api/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}");
        return request;
    }
}
