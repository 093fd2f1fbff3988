using System.Net;
using Amazon.Runtime;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>Sorts exceptions, including AWS SDK service errors, into an <see cref="ErrorKind"/>.</summary>
public static class ErrorClassifier
{
    public static ErrorKind Classify(Exception exception) => exception switch
    {
        BadInputException => ErrorKind.BadInput,
        AmazonServiceException { StatusCode: HttpStatusCode.NotFound } e when IsMissingObject(e.ErrorCode) => ErrorKind.ObjectGone,
        AmazonServiceException { StatusCode: HttpStatusCode.PreconditionFailed } => ErrorKind.ObjectChanged,
        _ => ErrorKind.Transient,
    };

    // HeadObject answers a bare 404 (code "NotFound" or none); GetObject and CopyObject answer NoSuchKey, or
    // NoSuchVersion for a deleted version. NoSuchBucket is a misconfiguration, not a deleted object.
    private static bool IsMissingObject(string? errorCode) =>
        string.IsNullOrEmpty(errorCode) || errorCode is "NoSuchKey" or "NotFound" or "NoSuchVersion";
}
