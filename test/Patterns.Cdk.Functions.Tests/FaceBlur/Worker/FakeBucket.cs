using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using NSubstitute;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Worker;

/// <summary>One stored object revision.</summary>
internal sealed record StoredObject(byte[] Content, string ETag, string? VersionId, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A PutObject as the worker sent it, with its body read at call time.</summary>
internal sealed record Put(string Bucket, string Key, string? ContentType, byte[] Body, int MetadataCount, PutObjectRequest Request);

/// <summary>
/// Wires an NSubstitute <see cref="IAmazonS3"/> to an in-memory set of objects: HeadObject and GetObject (honouring
/// version ids and If-Match ETags, 404 for missing keys, 412 for a changed ETag), and records every PutObject.
/// </summary>
internal sealed class FakeBucket
{
    private readonly Dictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);

    public FakeBucket(IAmazonS3 s3)
    {
        S3 = s3;
        s3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<GetObjectMetadataRequest>();
            HeadRequests.Add(request);
            StoredObject stored = Find(request.BucketName, request.Key, request.VersionId) ?? throw Error("NotFound", HttpStatusCode.NotFound);
            var response = new GetObjectMetadataResponse { ContentLength = stored.Content.Length, ETag = stored.ETag, VersionId = stored.VersionId };
            foreach ((string key, string value) in stored.Metadata)
            {
                response.Metadata.Add(key, value);
            }

            return response;
        });
        s3.GetObjectAsync(Arg.Any<GetObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<GetObjectRequest>();
            GetRequests.Add(request);
            StoredObject stored = Find(request.BucketName, request.Key, request.VersionId) ?? throw Error("NoSuchKey", HttpStatusCode.NotFound);
            if (request.EtagToMatch is { } expected && expected != stored.ETag)
            {
                throw Error("PreconditionFailed", HttpStatusCode.PreconditionFailed);
            }

            var response = new GetObjectResponse
            {
                BucketName = request.BucketName,
                Key = request.Key,
                ResponseStream = new MemoryStream(stored.Content),
                ContentLength = stored.Content.Length,
                ETag = stored.ETag,
                VersionId = stored.VersionId,
            };
            return response;
        });
        s3.PutObjectAsync(Arg.Any<PutObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<PutObjectRequest>();
            using var copy = new MemoryStream();
            request.InputStream.CopyTo(copy);
            Puts.Add(new Put(request.BucketName, request.Key, request.ContentType, copy.ToArray(), request.Metadata.Count, request));
            return new PutObjectResponse { ETag = "\"out\"" };
        });
    }

    public IAmazonS3 S3 { get; }

    public List<GetObjectMetadataRequest> HeadRequests { get; } = [];

    public List<GetObjectRequest> GetRequests { get; } = [];

    public List<Put> Puts { get; } = [];

    /// <summary>Stores (or replaces) the current revision of an object.</summary>
    public void Store(string bucket, string key, byte[] content, string eTag = "\"0123456789abcdef\"", string? versionId = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        _objects[bucket + "/" + key] = new StoredObject(content, eTag, versionId, metadata ?? new Dictionary<string, string>());

    public void Delete(string bucket, string key) => _objects.Remove(bucket + "/" + key);

    private StoredObject? Find(string bucket, string key, string? versionId) =>
        _objects.TryGetValue(bucket + "/" + key, out StoredObject? stored) && (versionId is null || versionId == stored.VersionId) ? stored : null;

    private static AmazonS3Exception Error(string code, HttpStatusCode status) => new($"{code} from S3", ErrorType.Sender, code, "request-id", status);
}
