using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>The backup bucket (and the DAG bucket's saved object versions) through the S3 SDK client.</summary>
public sealed class BackupStore(IAmazonS3 s3, string bucket, string keyArn)
{
    private const int DeleteBatch = 1000;

    /// <summary>Writes a small JSON object, SSE-KMS with the backup key (the bucket policy refuses any other key).</summary>
    public async Task PutJsonAsync(string key, byte[] json, CancellationToken cancellation = default)
    {
        using var content = new MemoryStream(json, writable: false);
        await s3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = content,
                ContentType = "application/json",
                ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
                ServerSideEncryptionKeyManagementServiceKeyId = keyArn,
            },
            cancellation);
    }

    /// <summary>A whole (small) object, or null when it does not exist.</summary>
    public async Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellation = default)
    {
        try
        {
            using GetObjectResponse response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellation);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy, cancellation);
            return copy.ToArray();
        }
        catch (AmazonS3Exception e) when (IsMissing(e))
        {
            return null;
        }
    }

    /// <summary>Streams an object through <see cref="FileMeasurement"/>; null when it does not exist.</summary>
    public async Task<FileMeasurement?> MeasureAsync(string key, CancellationToken cancellation = default)
    {
        try
        {
            using GetObjectResponse response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellation);
            return await FileMeasurement.MeasureAsync(response.ResponseStream, cancellation);
        }
        catch (AmazonS3Exception e) when (IsMissing(e))
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="versionId"/> of an object still exists (HeadObject with VersionId).</summary>
    public async Task<bool> VersionExistsAsync(string sourceBucket, string key, string versionId, CancellationToken cancellation = default)
    {
        try
        {
            await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = sourceBucket, Key = key, VersionId = versionId }, cancellation);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed || e.ErrorCode is "InvalidArgument" or "NoSuchVersion")
        {
            // 404: no such key or version; 405: the version is a delete marker; InvalidArgument: not a version id of it.
            return false;
        }
    }

    /// <summary>Every key under <paramref name="prefix"/>.</summary>
    public async Task<List<string>> ListKeysAsync(string prefix, CancellationToken cancellation = default)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            ListObjectsV2Response page = await s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token },
                cancellation);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>Deletes the keys (a versioned bucket keeps their versions until its lifecycle expires them).</summary>
    /// <exception cref="InvalidOperationException">S3 reported keys it could not delete.</exception>
    public async Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellation = default)
    {
        for (int start = 0; start < keys.Count; start += DeleteBatch)
        {
            DeleteObjectsResponse response = await s3.DeleteObjectsAsync(
                new DeleteObjectsRequest
                {
                    BucketName = bucket,
                    Objects = keys.Skip(start).Take(DeleteBatch).Select(k => new KeyVersion { Key = k }).ToList(),
                    Quiet = true,
                },
                cancellation);
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new InvalidOperationException($"S3 did not delete {errors.Count} object(s), e.g. {errors[0].Key}: {errors[0].Code}");
            }
        }
    }

    private static bool IsMissing(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NotFound";
}
