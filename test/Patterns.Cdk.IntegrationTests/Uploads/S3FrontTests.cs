using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.IntegrationTests.Uploads.Host;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>The bridge over fauxqs does what S3 does for the operations the upload flow needs (README.md beside this file).</summary>
[Collection(UsesEmulators.Name)]
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Content-MD5 and ETags are MD5 by protocol.")]
public sealed class S3FrontTests(EmulatorFixture emulators) : IDisposable
{
    private const string AccessKey = "AKIAFRONTTESTS000001";
    private const string SecretKey = "front-tests-secret";
    private readonly S3Front _front = new(emulators.S3Endpoint, new Dictionary<string, string> { [AccessKey] = SecretKey });
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _front.ServerErrors.Should().BeEmpty();
        _front.Dispose();
        _http.Dispose();
    }

    private AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = _front.Url.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = EmulatorFixture.Region,
    });

    private async Task<string> NewBucketAsync()
    {
        string bucket = "front-" + Guid.NewGuid().ToString("N")[..12];
        await emulators.S3.PutBucketAsync(bucket);
        return bucket;
    }

    private static string Md5(byte[] body) => Convert.ToBase64String(MD5.HashData(body));

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(string url, byte[] body, string? contentMd5 = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        if (contentMd5 is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-MD5", contentMd5);
        }

        using HttpResponseMessage response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Presigned_part_urls_are_checked_for_signature_expiry_and_Content_MD5()
    {
        using AmazonS3Client s3 = Client();
        string bucket = await NewBucketAsync();
        string uploadId = (await s3.InitiateMultipartUploadAsync(bucket, "a/b c.bin")).UploadId;
        byte[] part = RandomNumberGenerator.GetBytes(1000);
        string Url(int n, int seconds, string? md5 = null)
        {
            var request = new GetPreSignedUrlRequest
            {
                BucketName = bucket, Key = "a/b c.bin", Verb = HttpVerb.PUT, UploadId = uploadId, PartNumber = n,
                Expires = DateTime.UtcNow.AddSeconds(seconds), Protocol = Protocol.HTTP,
            };
            if (md5 is not null)
            {
                request.Headers.ContentMD5 = md5;
            }

            return s3.GetPreSignedURL(request);
        }

        (await PutAsync(Url(1, 300), part)).Status.Should().Be(HttpStatusCode.OK);
        (await PutAsync(Url(2, 300, Md5(part)), part, Md5(part))).Status.Should().Be(HttpStatusCode.OK, "a signed, matching Content-MD5 is accepted");

        byte[] other = RandomNumberGenerator.GetBytes(1000);
        (await PutAsync(Url(3, 300, Md5(other)), part, Md5(other))).Body.Should().Contain("<Code>BadDigest</Code>");
        (await PutAsync(Url(3, 300), part, Md5(part))).Body.Should().Contain("<Code>AccessDenied</Code>").And.Contain("not signed");

        string url = Url(3, 300);
        int at = url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + 16;
        string tampered = url[..at] + (url[at] == '0' ? '1' : '0') + url[(at + 1)..];
        (await PutAsync(tampered, part)).Body.Should().Contain("<Code>SignatureDoesNotMatch</Code>");

        _front.Faults = r => r.PartNumber == 4 ? new Fault.Hold(TimeSpan.FromSeconds(2.2)) : null;
        (await PutAsync(Url(4, 1), part)).Body.Should().Contain("<Code>AccessDenied</Code>").And.Contain("Request has expired");

        _front.Faults = r => r.PartNumber == 5 && r.Attempt == 1 ? new Fault.Fail(503, "SlowDown") : null;
        (await PutAsync(Url(5, 300), part)).Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await PutAsync(Url(5, 300), part)).Status.Should().Be(HttpStatusCode.OK, "only the first attempt was failed");

        ListPartsResponse listed = await s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "a/b c.bin", UploadId = uploadId });
        listed.Parts.Select(p => p.PartNumber).Should().Equal(1, 2, 5);
    }

    [Fact]
    public async Task ListParts_pages_and_forgets_a_completed_upload()
    {
        using AmazonS3Client s3 = Client();
        string bucket = await NewBucketAsync();
        string uploadId = (await s3.InitiateMultipartUploadAsync(bucket, "k")).UploadId;
        var etags = new List<PartETag>();
        int[] sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 7];
        for (int n = 1; n <= 3; n++)
        {
            byte[] body = RandomNumberGenerator.GetBytes(sizes[n - 1]);
            string url = s3.GetPreSignedURL(new GetPreSignedUrlRequest
            {
                BucketName = bucket, Key = "k", Verb = HttpVerb.PUT, UploadId = uploadId, PartNumber = n, Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP,
            });
            (await PutAsync(url, body)).Status.Should().Be(HttpStatusCode.OK);
            etags.Add(new PartETag(n, "\"" + Convert.ToHexStringLower(MD5.HashData(body)) + "\""));
        }

        ListPartsResponse first = await s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "k", UploadId = uploadId, MaxParts = 2 });
        first.Parts.Select(p => (p.PartNumber, p.Size, p.ETag)).Should().Equal(etags.Take(2).Select((e, i) => ((int?)e.PartNumber, (long?)sizes[i], e.ETag)));
        first.IsTruncated.Should().BeTrue();
        ListPartsResponse second = await s3.ListPartsAsync(new ListPartsRequest
        {
            BucketName = bucket, Key = "k", UploadId = uploadId, MaxParts = 2, PartNumberMarker = first.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        second.Parts.Select(p => p.PartNumber).Should().Equal(3);
        second.IsTruncated.Should().BeFalse();

        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = uploadId, PartETags = etags });
        (await emulators.S3.GetObjectMetadataAsync(bucket, "k")).ContentLength.Should().Be(sizes.Sum());
        Func<Task> again = () => s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "k", UploadId = uploadId });
        (await again.Should().ThrowAsync<AmazonS3Exception>()).Which.ErrorCode.Should().Be("NoSuchUpload");
    }

    [Fact]
    public async Task A_presigned_POST_is_stored_only_within_its_policy()
    {
        using AmazonS3Client s3 = Client();
        string bucket = await NewBucketAsync();
        byte[] ten = Encoding.ASCII.GetBytes("0123456789");
        async Task<(HttpStatusCode, string)> PostAsync(string key, string type, byte[] file, string? signature = null)
        {
            CreatePresignedPostResponse post = await s3.CreatePresignedPostAsync(new CreatePresignedPostRequest
            {
                BucketName = bucket, Key = "in/ok.txt", Expires = DateTime.UtcNow.AddMinutes(5),
                Conditions = [S3PostCondition.ExactMatch("Content-Type", "text/plain"), S3PostCondition.ContentLengthRange(10, 10)],
            });
            using var form = new MultipartFormDataContent();
            foreach ((string name, string value) in post.Fields)
            {
                string v = name == "key" ? key : name.Equals("x-amz-signature", StringComparison.OrdinalIgnoreCase) && signature is not null ? signature : value;
                form.Add(new StringContent(v), name);
            }

            form.Add(new StringContent(type), "Content-Type");
            form.Add(new ByteArrayContent(file), "file", "f.txt");
            using HttpResponseMessage response = await _http.PostAsync(post.Url, form);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        (await PostAsync("in/other.txt", "text/plain", ten)).Item2.Should().Contain("AccessDenied");
        (await PostAsync("in/ok.txt", "image/png", ten)).Item2.Should().Contain("AccessDenied");
        (await PostAsync("in/ok.txt", "text/plain", Encoding.ASCII.GetBytes("0123456789A"))).Item2.Should().Contain("EntityTooLarge");
        (await PostAsync("in/ok.txt", "text/plain", ten, new string('0', 64))).Item2.Should().Contain("SignatureDoesNotMatch");
        (await emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects.Should().BeNullOrEmpty("nothing outside the policy is stored");

        (await PostAsync("in/ok.txt", "text/plain", ten)).Item1.Should().Be(HttpStatusCode.NoContent);
        GetObjectMetadataResponse stored = await emulators.S3.GetObjectMetadataAsync(bucket, "in/ok.txt");
        stored.ContentLength.Should().Be(10);
        stored.Headers.ContentType.Should().Be("text/plain");
    }
}
