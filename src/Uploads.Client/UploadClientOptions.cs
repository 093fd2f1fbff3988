using System.Buffers;
using Amazon.Runtime;

namespace Patterns.Cdk.Uploads.Client;

/// <summary>
/// Where the upload API is and how to call it. Two ways to address a private API:
/// <list type="bullet">
/// <item>private DNS on the <c>execute-api</c> VPC endpoint: <see cref="ApiUrl"/> =
/// <c>https://{api-id}.execute-api.{region}.amazonaws.com/v1/</c> and no <see cref="ApiId"/>;</item>
/// <item>private DNS off: <see cref="ApiUrl"/> = the endpoint-specific name
/// <c>https://vpce-….execute-api.{region}.vpce.amazonaws.com/v1/</c> and <see cref="ApiId"/> = the API's id, sent as the
/// <c>x-apigw-api-id</c> header.</item>
/// </list>
/// </summary>
public sealed class UploadClientOptions
{
    /// <summary>The API's invoke URL including the stage (<c>…/v1/</c>). Required.</summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>The region the API is in (the SigV4 credential scope), e.g. <c>eu-west-1</c>. Required.</summary>
    public required string Region { get; init; }

    /// <summary>The credentials that sign the API calls. Default: the AWS SDK's default credential chain.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>
    /// The API's id when <see cref="ApiUrl"/> is a VPC endpoint DNS name (private DNS off): sent as <c>x-apigw-api-id</c>.
    /// Default: null (the host name of <see cref="ApiUrl"/> names the API).
    /// </summary>
    public string? ApiId { get; init; }

    /// <summary>How many parts are uploaded at the same time (1..64). A file's parts are streamed from disk (256 KiB per part in flight); a stream's parts are buffered, so its memory is bounded by this × the part size. Default: 8.</summary>
    public int MaxParallelParts { get; init; } = 8;

    /// <summary>How many times one part (or the single POST) is tried before the upload fails (1..20). Default: 5.</summary>
    public int MaxAttemptsPerPart { get; init; } = 5;

    /// <summary>How many part URLs are asked for in one <c>POST /uploads/{id}/parts</c> call (1..1000). Default: 64.</summary>
    public int PartUrlBatchSize { get; init; } = 64;

    /// <summary>The time one HTTP request (an API call or one part upload) may take. Default: 5 minutes.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a cancelled or finally failed upload is aborted (<c>DELETE /uploads/{id}</c>): its parts are discarded and
    /// it cannot be resumed. Set false to keep it resumable with <see cref="UploadClient.ResumeAsync"/> until the session
    /// expires. Default: true.
    /// </summary>
    public bool AbortOnFailure { get; init; } = true;

    /// <summary>The first retry's mean delay bound; attempt n waits a random time in [0, min(30 s, this × 2^n)). Default: 200 ms.</summary>
    internal TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The buffer pool of the parts: part buffers for a stream, read chunks for a file (tests count rentals). Default: a pool per upload, dropped after it.</summary>
    internal ArrayPool<byte>? BufferPool { get; init; }

    /// <summary>The clock (signing time, URL expiry). Default: the system clock.</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Checks every value and throws one <see cref="ArgumentException"/> naming all problems.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (ApiUrl is null || !ApiUrl.IsAbsoluteUri || (ApiUrl.Scheme != Uri.UriSchemeHttps && ApiUrl.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"ApiUrl: must be an absolute http(s) URL (got {ApiUrl?.ToString() ?? "null"}); give the API's invoke URL with its stage, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1/");
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            problems.Add("Region: is required (got nothing); give the API's region, e.g. eu-west-1");
        }

        if (ApiId is not null && (ApiId.Length == 0 || !ApiId.All(char.IsAsciiLetterOrDigit)))
        {
            problems.Add($"ApiId: must be the API's id, letters and digits only (got '{ApiId}'); leave it null with private DNS");
        }

        if (MaxParallelParts is < 1 or > 64)
        {
            problems.Add($"MaxParallelParts: must be 1..64 (got {MaxParallelParts})");
        }

        if (MaxAttemptsPerPart is < 1 or > 20)
        {
            problems.Add($"MaxAttemptsPerPart: must be 1..20 (got {MaxAttemptsPerPart})");
        }

        if (PartUrlBatchSize is < 1 or > 1000)
        {
            problems.Add($"PartUrlBatchSize: must be 1..1000 (got {PartUrlBatchSize}); the API mints at most 1000 URLs per call");
        }

        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"RequestTimeout: must be positive (got {RequestTimeout})");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), "options");
        }
    }
}
