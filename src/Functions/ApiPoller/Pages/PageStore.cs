using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// The payload bucket's layout: pages at <c>jobs/{jobId}/pages/{page:D9}.json</c> (zero-padded, so a listing is in page
/// order), the plan manifest at <c>jobs/{jobId}/plan.json</c>. Uploads stream from a file with a known length.
/// </summary>
internal sealed class PageStore
{
    public const string JsonContentType = "application/json";

    private readonly IAmazonS3 _s3;

    public PageStore(IAmazonS3 s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _s3 = s3;
        Bucket = bucket;
    }

    public string Bucket { get; }

    public static string PageKey(string jobId, int page) =>
        string.Create(CultureInfo.InvariantCulture, $"jobs/{jobId}/pages/{page:D9}.json");

    public static string ManifestKey(string jobId) => $"jobs/{jobId}/plan.json";

    /// <summary>Uploads <paramref name="length"/> bytes of <paramref name="content"/> (left open) as JSON.</summary>
    public async Task PutAsync(string key, Stream content, long length, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = content,
            AutoCloseStream = false,
            ContentType = JsonContentType,
        };
        request.Headers.ContentLength = length;
        await _s3.PutObjectAsync(request, cancellationToken);
    }

    /// <summary>Uploads a spooled page and returns the pointer to it.</summary>
    public async Task<PagePointer> PutPageAsync(string jobId, string source, int page, SpooledPage spooled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spooled);
        string key = PageKey(jobId, page);
        await PutAsync(key, spooled.OpenRead(), spooled.Length, cancellationToken);
        return new PagePointer { JobId = jobId, Source = source, Page = page, Bucket = Bucket, Key = key, Bytes = spooled.Length };
    }
}
