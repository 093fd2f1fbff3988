using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Tests.Handlers;
using Patterns.Cdk.Functions.Tests.Support;

// MD5 here is S3's Content-MD5 integrity check, not a security measure.
#pragma warning disable CA5351

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

/// <summary>
/// What the real AWSSDK.S3 signs (locally, no call): the presigned POST's policy and the UploadPart URLs, with and
/// without a signed Content-MD5.
/// </summary>
public sealed class UploadStorageTests : IDisposable
{
    private const string Bucket = "upload-bucket";
    private const string Key = "uploads/111122223333/AROAEXAMPLE/0123456789abcdef0123456789abcdef/photo.png";
    private static readonly DateTimeOffset Expires = DateTimeOffset.UtcNow.AddMinutes(15);

    private readonly AmazonS3Client _s3 = RealS3();

    public void Dispose() => _s3.Dispose();

    /// <summary>A real S3 client with example session credentials: presigning never calls AWS.</summary>
    internal static AmazonS3Client RealS3(string? serviceUrl = null)
    {
        var credentials = new SessionAWSCredentials(TestAws.AccessKey, TestAws.SecretKey, TestAws.SessionToken);
        AmazonS3Config config = serviceUrl is null
            ? new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 }
            : new AmazonS3Config { ServiceURL = serviceUrl, ForcePathStyle = true, AuthenticationRegion = "eu-west-1" };
        return new AmazonS3Client(credentials, config);
    }

    [Fact]
    public async Task The_POST_policy_binds_bucket_key_type_exact_length_and_expiry()
    {
        CreatePresignedPostResponse post = await new UploadStorage(_s3, Bucket).PresignPostAsync(Key, "image/png", 1234, sha256: null, Expires);

        post.Url.Should().Contain(Bucket);
        post.Fields.Should().ContainKeys("key", "Policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "x-amz-security-token", "Content-Type");
        post.Fields["key"].Should().Be(Key);
        post.Fields["Content-Type"].Should().Be("image/png");
        post.Fields["x-amz-algorithm"].Should().Be("AWS4-HMAC-SHA256");
        post.Fields["x-amz-credential"].Should().Contain("/eu-west-1/s3/aws4_request");
        post.Fields.Should().NotContainKey("x-amz-checksum-sha256");

        using JsonDocument policy = Policy(post);
        DateTimeOffset.Parse(policy.RootElement.GetProperty("expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeCloseTo(Expires, TimeSpan.FromSeconds(1));
        string conditions = policy.RootElement.GetProperty("conditions").GetRawText();
        conditions.Should().Contain($$"""{"bucket":"{{Bucket}}"}""");
        conditions.Should().Contain($$"""{"key":"{{Key}}"}""");
        conditions.Should().Contain("""{"Content-Type":"image/png"}""");
        conditions.Should().Contain("""["content-length-range",1234,1234]""");
        conditions.Should().NotContain("starts-with", "nothing is left open to the client");
        conditions.Should().Contain("x-amz-security-token", "the session token is bound too");
    }

    [Fact]
    public async Task A_declared_SHA256_becomes_an_exact_policy_field()
    {
        string sha = Convert.ToBase64String(SHA256.HashData("hello"u8));

        CreatePresignedPostResponse post = await new UploadStorage(_s3, Bucket).PresignPostAsync(Key, "text/plain", 5, sha, Expires);

        post.Fields["x-amz-checksum-sha256"].Should().Be(sha);
        post.Fields["x-amz-checksum-algorithm"].Should().Be("SHA256");
        using JsonDocument policy = Policy(post);
        string conditions = policy.RootElement.GetProperty("conditions").GetRawText();
        policy.RootElement.GetProperty("conditions").EnumerateArray()
            .Where(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("x-amz-checksum-sha256", out _))
            .Should().ContainSingle().Which.GetProperty("x-amz-checksum-sha256").GetString().Should().Be(sha);
        conditions.Should().Contain("""{"x-amz-checksum-algorithm":"SHA256"}""");
    }

    [Fact]
    public async Task A_part_URL_is_a_PUT_for_this_upload_and_part_expiring_with_the_setting_and_signs_only_the_host()
    {
        string url = await new UploadStorage(_s3, Bucket).PresignPartAsync(Key, "s3-upload-id.1", 42, contentMd5: null, Expires);

        var uri = new Uri(url);
        uri.Scheme.Should().Be("https");
        var query = HttpUtility.ParseQueryString(uri.Query);
        query["uploadId"].Should().Be("s3-upload-id.1");
        query["partNumber"].Should().Be("42");
        query["X-Amz-Algorithm"].Should().Be("AWS4-HMAC-SHA256");
        query["X-Amz-SignedHeaders"].Should().Be("host");
        int.Parse(query["X-Amz-Expires"]!, System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(898, 900);
        query["X-Amz-Security-Token"].Should().Be(TestAws.SessionToken);
        query.AllKeys.Should().NotContain(k => k!.StartsWith("x-amz-checksum", StringComparison.OrdinalIgnoreCase) || k.StartsWith("x-amz-sdk-checksum", StringComparison.OrdinalIgnoreCase),
            "the SDK must not bake a checksum of an empty body into the URL");
        uri.AbsolutePath.Should().EndWith("/photo.png");
    }

    [Fact]
    public async Task A_part_URL_with_an_MD5_signs_the_Content_MD5_header()
    {
        string md5 = Convert.ToBase64String(MD5.HashData("part"u8));

        string url = await new UploadStorage(_s3, Bucket).PresignPartAsync(Key, "id", 1, md5, Expires);

        var query = HttpUtility.ParseQueryString(new Uri(url).Query);
        query["X-Amz-SignedHeaders"]!.Split(';').Should().Contain("content-md5").And.Contain("host");
    }

    [Fact]
    public async Task An_http_endpoint_override_gives_http_path_style_URLs()
    {
        using AmazonS3Client local = RealS3("http://127.0.0.1:4566");

        string url = await new UploadStorage(local, Bucket).PresignPartAsync(Key, "id", 1, null, Expires);
        CreatePresignedPostResponse post = await new UploadStorage(local, Bucket).PresignPostAsync(Key, "image/png", 1, null, Expires);

        url.Should().StartWith($"http://127.0.0.1:4566/{Bucket}/uploads/");
        post.Url.Should().StartWith("http://127.0.0.1:4566/");
    }

    [Theory]
    [InlineData("http://127.0.0.1:4566", null, null, true)]
    [InlineData("https://s3.example", null, null, false)]
    [InlineData(null, "http://localhost:9000", null, true)]
    [InlineData(null, null, "http://localhost:9000", true)]
    [InlineData(null, null, null, false)]
    public void Http_is_used_only_for_a_plain_http_endpoint(string? serviceUrl, string? s3Endpoint, string? anyEndpoint, bool http) =>
        UploadStorage.UsesHttp(serviceUrl, Env.Of(("AWS_ENDPOINT_URL_S3", s3Endpoint), ("AWS_ENDPOINT_URL", anyEndpoint))).Should().Be(http);

    private static JsonDocument Policy(CreatePresignedPostResponse post) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(post.Fields["Policy"])));
}

/// <summary>The SDK's endpoint variable (the bootstrap and integration tests' convention) reaches presigned URLs too.</summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class UploadStorageEndpointTests
{
    [Fact]
    public async Task The_emulator_endpoint_from_the_environment_gives_http_URLs()
    {
        using var scope = new EnvironmentScope();
        scope.Set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4567");
        using AmazonS3Client client = new(
            new SessionAWSCredentials(TestAws.AccessKey, TestAws.SecretKey, TestAws.SessionToken),
            new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1, ForcePathStyle = true });

        string url = await new UploadStorage(client, "upload-bucket").PresignPartAsync("uploads/k", "id", 1, null, DateTimeOffset.UtcNow.AddMinutes(5));

        url.Should().StartWith("http://127.0.0.1:4567/upload-bucket/uploads/k?");
    }
}
