namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>
/// Face detection failed and a later attempt may succeed: throttling after every retry, 5xx, timeouts, network errors,
/// or a 4xx that is a deployment problem (access denied, validation) rather than a property of the image. The worker
/// lets the message be retried by the queue (and, once <c>maxReceiveCount</c> is reached, land in the alarmed
/// dead-letter queue). Nothing is written to the destination.
/// </summary>
public sealed class FaceDetectionTransientException : Exception
{
    public FaceDetectionTransientException()
    {
    }

    public FaceDetectionTransientException(string message)
        : base(message)
    {
    }

    public FaceDetectionTransientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FaceDetectionTransientException(string message, string? errorCode, int? statusCode, int attempts, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        Attempts = attempts;
    }

    /// <summary>The service's error code (<c>ThrottlingException</c>, ...), or null for network errors and timeouts.</summary>
    public string? ErrorCode { get; }

    /// <summary>The HTTP status of the last attempt, or null when no response arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>How many requests were made before giving up.</summary>
    public int Attempts { get; }
}
