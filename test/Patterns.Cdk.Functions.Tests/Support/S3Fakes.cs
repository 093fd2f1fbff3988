using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Patterns.Cdk.Functions.Tests.Support;

/// <summary>Helpers to configure an NSubstitute <see cref="IAmazonS3"/> and to build AWS errors.</summary>
internal static class S3Fakes
{
    public static AmazonS3Exception Error(string code, HttpStatusCode status) =>
        new($"{code} from S3", ErrorType.Sender, code, "request-id", status);

    public static AmazonS3Exception NoSuchKey => Error("NoSuchKey", HttpStatusCode.NotFound);

    public static AmazonS3Exception HeadNotFound => Error("NotFound", HttpStatusCode.NotFound);

    public static AmazonS3Exception PreconditionFailed => Error("PreconditionFailed", HttpStatusCode.PreconditionFailed);

    public static AmazonS3Exception SlowDown => Error("SlowDown", HttpStatusCode.ServiceUnavailable);

    public static void HasMetadata(this IAmazonS3 s3, params (string Key, string Value)[] metadata) =>
        s3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            var response = new GetObjectMetadataResponse();
            foreach ((string key, string value) in metadata)
            {
                response.Metadata.Add(key, value);
            }

            return response;
        });

    public static void HeadFails(this IAmazonS3 s3, Exception error) =>
        s3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(error);

    /// <summary>Every GetObject returns <paramref name="content"/> (a fresh stream each time).</summary>
    public static void HasContent(this IAmazonS3 s3, byte[] content, string eTag = "\"" + Samples.ETag + "\"", string contentType = "binary/octet-stream", long? contentLength = null) =>
        s3.GetObjectAsync(Arg.Any<GetObjectRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var response = new GetObjectResponse
            {
                BucketName = call.Arg<GetObjectRequest>().BucketName,
                Key = call.Arg<GetObjectRequest>().Key,
                ResponseStream = new MemoryStream(content),
                ContentLength = contentLength ?? content.Length,
                ETag = eTag,
                VersionId = call.Arg<GetObjectRequest>().VersionId,
            };
            response.Headers.ContentType = contentType;
            return response;
        });

    public static void GetFails(this IAmazonS3 s3, Exception error) =>
        s3.GetObjectAsync(Arg.Any<GetObjectRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(error);

    /// <summary>Records every CopyObject request (and lets it succeed).</summary>
    public static List<CopyObjectRequest> RecordCopies(this IAmazonS3 s3)
    {
        var copies = new List<CopyObjectRequest>();
        s3.CopyObjectAsync(Arg.Do<CopyObjectRequest>(copies.Add), Arg.Any<CancellationToken>()).Returns(new CopyObjectResponse());
        return copies;
    }

    public static void CopyFails(this IAmazonS3 s3, Exception error) =>
        s3.CopyObjectAsync(Arg.Any<CopyObjectRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(error);
}
