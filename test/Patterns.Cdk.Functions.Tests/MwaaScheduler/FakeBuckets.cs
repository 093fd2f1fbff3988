using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>An in-memory S3 behind an NSubstitute <see cref="IAmazonS3"/>: objects, saved versions of the DAG bucket, every put and delete recorded.</summary>
internal sealed class FakeBuckets
{
    public FakeBuckets()
    {
        S3.PutObjectAsync(Arg.Any<PutObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<PutObjectRequest>();
            using var copy = new MemoryStream();
            request.InputStream.CopyTo(copy);
            Objects[(request.BucketName, request.Key)] = copy.ToArray();
            Puts.Add(request);
            return new PutObjectResponse();
        });
        S3.GetObjectAsync(Arg.Any<GetObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<GetObjectRequest>();
            return Objects.TryGetValue((request.BucketName, request.Key), out byte[]? content)
                ? Task.FromResult(new GetObjectResponse { ResponseStream = new MemoryStream(content), BucketName = request.BucketName, Key = request.Key })
                : Task.FromException<GetObjectResponse>(S3Fakes.NoSuchKey);
        });
        S3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<GetObjectMetadataRequest>();
            HeadRequests.Add(request);
            return Versions.Contains((request.BucketName, request.Key, request.VersionId))
                ? Task.FromResult(new GetObjectMetadataResponse())
                : Task.FromException<GetObjectMetadataResponse>(S3Fakes.HeadNotFound);
        });
        S3.ListObjectsV2Async(Arg.Any<ListObjectsV2Request>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            if (ListError is { } error)
            {
                return Task.FromException<ListObjectsV2Response>(error);
            }

            var request = call.Arg<ListObjectsV2Request>();
            return Task.FromResult(new ListObjectsV2Response
            {
                S3Objects = [.. Objects.Keys.Where(k => k.Bucket == request.BucketName && k.Key.StartsWith(request.Prefix, StringComparison.Ordinal)).Select(k => new S3Object { Key = k.Key })],
                IsTruncated = false,
            });
        });
        S3.DeleteObjectsAsync(Arg.Any<DeleteObjectsRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var request = call.Arg<DeleteObjectsRequest>();
            foreach (KeyVersion key in request.Objects)
            {
                Objects.Remove((request.BucketName, key.Key));
                Deleted.Add(key.Key);
            }

            return new DeleteObjectsResponse();
        });
    }

    public IAmazonS3 S3 { get; } = Substitute.For<IAmazonS3>();

    public Dictionary<(string Bucket, string Key), byte[]> Objects { get; } = [];

    public HashSet<(string Bucket, string Key, string Version)> Versions { get; } = [];

    public List<PutObjectRequest> Puts { get; } = [];

    public List<GetObjectMetadataRequest> HeadRequests { get; } = [];

    public List<string> Deleted { get; } = [];

    public Exception? ListError { get; set; }

    public static AmazonS3Exception AccessDenied => S3Fakes.Error("AccessDenied", HttpStatusCode.Forbidden);

    public void Put(string bucket, string key, byte[] content) => Objects[(bucket, key)] = content;

    public byte[]? Get(string bucket, string key) => Objects.GetValueOrDefault((bucket, key));
}
