#if CLIENT_S3STANDIN
using System.Globalization;
using System.Net;
using System.Xml;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace Patterns.Cdk.ColdStart.SdkFloor;

/// <summary>
/// A measurement, not a shipped client: the smallest S3 client the handlers could use instead of AWSSDK.S3's
/// <c>AmazonS3Client</c>, to see what such a client costs at start (SdkFloor row <c>S3StandIn</c>, next to
/// <c>S3Calls</c>, the SDK client with the same four operations reachable). HeadObject, GetObject, PutObject and
/// CopyObject on S3's REST protocol, virtual-hosted addressing, signed by AWSSDK.Core's own SigV4 signer
/// (<see cref="AWS4Signer"/>, the one <c>AwsStandIns/Core</c> uses) with the SDK's default credential chain; errors
/// read from S3's XML error body (or the status alone for HEAD). What a shipped client would still need and this one
/// lacks: retries, checksums beyond the signed payload hash, multipart, S3 Express, access points, path-style
/// addressing for dotted bucket names, tests against S3 or an emulator.
/// </summary>
internal sealed class S3FloorClient
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly SigningConfig _config;
    private readonly string _region;
    private readonly Uri? _endpointOverride;

    public S3FloorClient(string region)
    {
        _region = region;
        _config = new SigningConfig { AuthenticationRegion = region, AuthenticationServiceName = "s3" };

        // The SDK's own variable for a test endpoint (the harness points it at a refused loopback port).
        _endpointOverride = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL") is { Length: > 0 } url ? new Uri(url) : null;
    }

    /// <summary>The object's metadata (user metadata without the <c>x-amz-meta-</c> prefix), or null when there is none.</summary>
    public async Task<S3FloorObject?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Head, bucket, key, null, [], cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await ThrowOnErrorAsync("HeadObject", response, cancellationToken);
        return Describe(response, []);
    }

    /// <summary>The object's bytes and metadata.</summary>
    public async Task<S3FloorObject> GetObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, bucket, key, null, [], cancellationToken);
        await ThrowOnErrorAsync("GetObject", response, cancellationToken);
        return Describe(response, await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <summary>Writes an object; returns its ETag.</summary>
    public async Task<string?> PutObjectAsync(string bucket, string key, byte[] body, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Content-Type", contentType) };
        headers.AddRange(metadata.Select(m => new KeyValuePair<string, string>("x-amz-meta-" + m.Key, m.Value)));
        using HttpResponseMessage response = await SendAsync(HttpMethod.Put, bucket, key, body, headers, cancellationToken);
        await ThrowOnErrorAsync("PutObject", response, cancellationToken);
        return response.Headers.ETag?.Tag;
    }

    /// <summary>Copies an object, replacing its metadata; S3 can answer 200 with an error body, which is an error here.</summary>
    public async Task CopyObjectAsync(string sourceBucket, string sourceKey, string bucket, string key, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("x-amz-copy-source", "/" + sourceBucket + "/" + AWSSDKUtils.UrlEncode(sourceKey, path: true)),
            new("x-amz-metadata-directive", "REPLACE"),
        };
        headers.AddRange(metadata.Select(m => new KeyValuePair<string, string>("x-amz-meta-" + m.Key, m.Value)));
        using HttpResponseMessage response = await SendAsync(HttpMethod.Put, bucket, key, [], headers, cancellationToken);
        await ThrowOnErrorAsync("CopyObject", response, cancellationToken);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (ReadError(body) is { } error)
        {
            throw new S3FloorException("CopyObject", (int)response.StatusCode, error.Code, error.Message);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string bucket, string key, byte[]? body, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials = await DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentialsAsync();
        Uri root = _endpointOverride is { } endpoint
            ? new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/" + bucket + "/")
            : new Uri($"https://{bucket}.s3.{_region}.amazonaws.com/");
        using var request = new DefaultRequest(new UnmarshalledRequest(), "S3")
        {
            HttpMethod = method.Method,
            Endpoint = new Uri(root.GetLeftPart(UriPartial.Authority)),
            ResourcePath = root.AbsolutePath.TrimEnd('/') + "/{Key+}",
            Content = body,
            UseDoubleEncoding = false,
            OverrideSigningServiceName = "s3",
            AuthenticationRegion = _region,
        };
        request.AddPathResource("{Key+}", key);
        foreach ((string name, string value) in headers)
        {
            request.Headers[name] = value;
        }

        if (credentials.UseToken)
        {
            request.Headers["X-Amz-Security-Token"] = credentials.Token;
        }

        AWS4SigningResult signature = _signer.SignRequest(request, _config, metrics: null, credentials.AccessKey, credentials.SecretKey, DateTime.UtcNow);
        request.Headers["Authorization"] = signature.ForAuthorizationHeader;

        var message = new HttpRequestMessage(method, new Uri(request.Endpoint, AWSSDKUtils.ResolveResourcePathV2(request.ResourcePath, request.PathResources)));
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach ((string name, string value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value;
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task ThrowOnErrorAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        (string Code, string Message)? error = ReadError(body);
        throw new S3FloorException(operation, (int)response.StatusCode, error?.Code, error?.Message);
    }

    /// <summary>S3's <c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;</c>, or null when the body is not one.</summary>
    private static (string Code, string Message)? ReadError(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        try
        {
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "Error")
            {
                return null;
            }

            string code = "", text = "";
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName is "Code" or "Message")
                {
                    bool isCode = reader.LocalName == "Code";
                    string value = reader.ReadElementContentAsString();
                    (code, text) = isCode ? (value, text) : (code, value);
                }
            }

            return (code, text);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static S3FloorObject Describe(HttpResponseMessage response, byte[] body) => new(
        response.Headers.ETag?.Tag,
        response.Content.Headers.ContentType?.ToString(),
        response.Content.Headers.ContentLength ?? body.LongLength,
        response.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-amz-meta-".Length..].ToLowerInvariant(), h => string.Join(',', h.Value), StringComparer.Ordinal),
        response.Headers.TryGetValues("x-amz-version-id", out IEnumerable<string>? versions) ? versions.First() : null,
        body);

    private sealed class UnmarshalledRequest : AmazonWebServiceRequest;

    private sealed class SigningConfig() : ClientConfig(new StandardConfigurationProvider())
    {
        public override string ServiceVersion => "2006-03-01";

        public override string UserAgent => "patterns-cdk-coldstart-s3-floor";

        public override string RegionEndpointServiceName => "s3";

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("The floor client signs for a fixed endpoint.");
    }

    private sealed class StandardConfigurationProvider : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}

/// <summary>What HeadObject and GetObject return here.</summary>
internal sealed record S3FloorObject(string? ETag, string? ContentType, long Length, IReadOnlyDictionary<string, string> Metadata, string? VersionId, byte[] Body);

/// <summary>An S3 error answer: the operation, HTTP status and S3's error code and message when it sent them.</summary>
internal sealed class S3FloorException(string operation, int status, string? code, string? message)
    : Exception(string.Create(CultureInfo.InvariantCulture, $"{operation}: HTTP {status} {code} {message}"));
#endif
