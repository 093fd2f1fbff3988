using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Store;

/// <summary>What HeadObject says about an uploaded object.</summary>
public sealed record StoredObject(long Size, string? ContentType, string ETag, string? Sha256);

/// <summary>A part as ListParts reports it, with the checksums S3 holds for it (passed back on completion).</summary>
public sealed record ListedPart(int PartNumber, long Size, string ETag, PartDetail Detail)
{
    public StoredPart ToStored() => new(PartNumber, Size, ETag);
}

/// <summary>
/// The upload bucket through the AWS SDK: presigned POST forms and part URLs (signed locally, no call), multipart
/// uploads (create, list parts, complete, abort), HeadObject and PutObject. Every key it is given was derived by the
/// server (<see cref="UploadRules.ObjectKey"/>). Service errors are thrown to the caller.
/// </summary>
public sealed class UploadStorage
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly Protocol _protocol;

    public UploadStorage(IAmazonS3 s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _s3 = s3;
        _bucket = bucket;
        _protocol = UsesHttp(s3.Config?.ServiceURL, Environment.GetEnvironmentVariable) ? Protocol.HTTP : Protocol.HTTPS;
    }

    public string Bucket => _bucket;

    /// <summary>
    /// A presigned POST whose policy binds the bucket, the exact key, the exact <c>Content-Type</c>, a
    /// <c>content-length-range</c> of exactly <paramref name="size"/> and, when <paramref name="sha256"/> is given,
    /// <c>x-amz-checksum-algorithm</c> = SHA256 and the exact <c>x-amz-checksum-sha256</c> (S3 then checks the bytes).
    /// </summary>
    public async Task<CreatePresignedPostResponse> PresignPostAsync(string key, string contentType, long size, string? sha256, DateTimeOffset expires)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Type"] = contentType };
        var conditions = new List<S3PostCondition>
        {
            S3PostCondition.ExactMatch("Content-Type", contentType),
            S3PostCondition.ContentLengthRange(size, size),
        };
        if (sha256 is not null)
        {
            fields["x-amz-checksum-algorithm"] = "SHA256";
            fields["x-amz-checksum-sha256"] = sha256;
            conditions.Add(S3PostCondition.ExactMatch("x-amz-checksum-algorithm", "SHA256"));
            conditions.Add(S3PostCondition.ExactMatch("x-amz-checksum-sha256", sha256));
        }

        return await _s3.CreatePresignedPostAsync(new CreatePresignedPostRequest
        {
            BucketName = _bucket,
            Key = key,
            Expires = expires.UtcDateTime,
            Fields = fields,
            Conditions = conditions,
        });
    }

    /// <summary>Starts a multipart upload; returns S3's UploadId.</summary>
    public async Task<string> StartMultipartAsync(string key, string contentType, CancellationToken cancellation = default)
    {
        InitiateMultipartUploadResponse response = await _s3.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType },
            cancellation);
        return response.UploadId;
    }

    /// <summary>
    /// A presigned UploadPart URL (PUT, this upload and part number, expiring at <paramref name="expires"/>). With
    /// <paramref name="contentMd5"/>, the <c>Content-MD5</c> header is signed in: the PUT must carry exactly that header,
    /// and S3 refuses bytes that do not match it (BadDigest). Signing is local: no call is made.
    /// </summary>
    public async Task<string> PresignPartAsync(string key, string s3UploadId, int partNumber, string? contentMd5, DateTimeOffset expires)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            UploadId = s3UploadId,
            PartNumber = partNumber,
            Expires = expires.UtcDateTime,
            Protocol = _protocol,
        };
        if (contentMd5 is not null)
        {
            request.Headers.ContentMD5 = contentMd5;
        }

        return await _s3.GetPreSignedURLAsync(request);
    }

    /// <summary>Every part S3 holds for the upload, all pages of ListParts; null when S3 has no such upload (completed or aborted).</summary>
    public async Task<IReadOnlyList<ListedPart>?> ListPartsAsync(string key, string s3UploadId, CancellationToken cancellation = default)
    {
        var parts = new List<ListedPart>();
        string? marker = null;
        for (int page = 0; page < 20; page++)
        {
            ListPartsResponse response;
            try
            {
                response = await _s3.ListPartsAsync(
                    new ListPartsRequest { BucketName = _bucket, Key = key, UploadId = s3UploadId, MaxParts = 1000, PartNumberMarker = marker },
                    cancellation);
            }
            catch (AmazonS3Exception e) when (IsNoSuchUpload(e))
            {
                return null;
            }

            foreach (PartDetail part in response.Parts ?? [])
            {
                parts.Add(new ListedPart(part.PartNumber ?? 0, part.Size ?? 0, part.ETag, part));
            }

            if (response.IsTruncated != true)
            {
                return parts;
            }

            string? next = response.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrEmpty(next) || next == marker)
            {
                return parts;
            }

            marker = next;
        }

        return parts;
    }

    /// <summary>Completes the upload with the parts in ascending order (their ETags and any checksums S3 listed); returns the ETag.</summary>
    public async Task<string> CompleteAsync(string key, string s3UploadId, IReadOnlyList<ListedPart> ascending, CancellationToken cancellation = default)
    {
        var request = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = s3UploadId, PartETags = new List<PartETag>(ascending.Count) };
        foreach (ListedPart part in ascending)
        {
            request.PartETags.Add(new PartETag
            {
                PartNumber = part.PartNumber,
                ETag = part.ETag,
                ChecksumCRC32 = part.Detail.ChecksumCRC32,
                ChecksumCRC32C = part.Detail.ChecksumCRC32C,
                ChecksumCRC64NVME = part.Detail.ChecksumCRC64NVME,
                ChecksumSHA1 = part.Detail.ChecksumSHA1,
                ChecksumSHA256 = part.Detail.ChecksumSHA256,
            });
        }

        CompleteMultipartUploadResponse response = await _s3.CompleteMultipartUploadAsync(request, cancellation);
        return response.ETag;
    }

    /// <summary>Aborts the upload; an upload S3 no longer has (aborted before, or completed) is not an error.</summary>
    public async Task AbortAsync(string key, string s3UploadId, CancellationToken cancellation = default)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = s3UploadId }, cancellation);
        }
        catch (AmazonS3Exception e) when (IsNoSuchUpload(e))
        {
        }
    }

    /// <summary>The object's size, type, ETag and verified SHA-256; null when there is no object.</summary>
    public async Task<StoredObject?> HeadAsync(string key, CancellationToken cancellation = default)
    {
        try
        {
            GetObjectMetadataResponse head = await _s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _bucket, Key = key, ChecksumMode = ChecksumMode.ENABLED },
                cancellation);
            return new StoredObject(head.ContentLength, head.Headers.ContentType, head.ETag, NullIfEmpty(head.ChecksumSHA256));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Writes the object with its SHA-256 (S3 checks it); returns the ETag.</summary>
    public async Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, string contentType, string sha256, CancellationToken cancellation = default)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        PutObjectResponse response = await _s3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key,
                InputStream = stream,
                ContentType = contentType,
                ChecksumSHA256 = sha256,
                AutoCloseStream = false,
            },
            cancellation);
        return response.ETag;
    }

    /// <summary>
    /// Whether presigned URLs must be <c>http</c>: the SDK signs them for HTTPS unless told otherwise, even when the client
    /// talks to a plain-http endpoint (an emulator, set by <c>ServiceURL</c> or <c>AWS_ENDPOINT_URL_S3</c>/<c>AWS_ENDPOINT_URL</c>).
    /// </summary>
    internal static bool UsesHttp(string? serviceUrl, Func<string, string?> environment)
    {
        string? endpoint = !string.IsNullOrEmpty(serviceUrl)
            ? serviceUrl
            : environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } s3 ? s3 : environment("AWS_ENDPOINT_URL");
        return endpoint is not null && endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsNoSuchUpload(AmazonS3Exception e) => e.ErrorCode == "NoSuchUpload" || (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is null or "");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
