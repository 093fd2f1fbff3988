using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class ErrorClassifierTests
{
    public static TheoryData<Exception, ErrorKind> Cases => new()
    {
        { new BadInputException("broken"), ErrorKind.BadInput },
        { S3Error("NoSuchKey", HttpStatusCode.NotFound), ErrorKind.ObjectGone },
        { S3Error("NotFound", HttpStatusCode.NotFound), ErrorKind.ObjectGone },
        { S3Error("", HttpStatusCode.NotFound), ErrorKind.ObjectGone },
        { S3Error("NoSuchVersion", HttpStatusCode.NotFound), ErrorKind.ObjectGone },
        { S3Error("NoSuchBucket", HttpStatusCode.NotFound), ErrorKind.Transient },
        { S3Error("PreconditionFailed", HttpStatusCode.PreconditionFailed), ErrorKind.ObjectChanged },
        { S3Error("SlowDown", HttpStatusCode.ServiceUnavailable), ErrorKind.Transient },
        { S3Error("InternalError", HttpStatusCode.InternalServerError), ErrorKind.Transient },
        { S3Error("ConditionalRequestConflict", HttpStatusCode.Conflict), ErrorKind.Transient },
        { new ProvisionedThroughputExceededException("throttled"), ErrorKind.Transient },
        { new AmazonServiceException("Rate exceeded", ErrorType.Sender, "ThrottlingException", "r", HttpStatusCode.BadRequest), ErrorKind.Transient },
        { new TimeoutException(), ErrorKind.Transient },
        { new TaskCanceledException(), ErrorKind.Transient },
        { new HttpRequestException("connection reset"), ErrorKind.Transient },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_failures(Exception exception, ErrorKind expected)
    {
        ErrorClassifier.Classify(exception).Should().Be(expected);
    }

    private static AmazonS3Exception S3Error(string code, HttpStatusCode status) =>
        new("error", ErrorType.Sender, code, "request-id", status);
}
