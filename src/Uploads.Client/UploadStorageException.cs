using System.Net;

namespace Patterns.Cdk.Uploads.Client;

/// <summary>
/// S3 refused a part (or the single POST) with an error that retrying did not fix: <see cref="StatusCode"/> and the
/// S3 error code (<c>BadDigest</c>, <c>NoSuchUpload</c>, <c>AccessDenied</c>, …) when S3 gave one.
/// </summary>
public sealed class UploadStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UploadStorageException(int partNumber, HttpStatusCode? statusCode, string? code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        PartNumber = partNumber;
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>Creates the exception without details (serialization and tooling).</summary>
    public UploadStorageException()
        : this(0, null, null, "The storage request failed.")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public UploadStorageException(string message)
        : this(0, null, null, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public UploadStorageException(string message, Exception innerException)
        : this(0, null, null, message, innerException)
    {
    }

    /// <summary>The part that failed (0 for the single POST).</summary>
    public int PartNumber { get; }

    /// <summary>The last HTTP status S3 answered, or null when no answer came (network error, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The S3 error code of the last answer, when S3 gave one.</summary>
    public string? Code { get; }
}
