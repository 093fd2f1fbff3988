using System.Net;

namespace Patterns.Cdk.Uploads.Client;

/// <summary>
/// The upload API answered with an error: <see cref="StatusCode"/>, the error body's <see cref="Code"/>
/// (<c>NotFound</c>, <c>TooLarge</c>, <c>MissingParts</c>, …) and its message, plus the extra members some codes carry.
/// </summary>
public sealed class UploadApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UploadApiException(HttpStatusCode statusCode, string code, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>Creates the exception without details (serialization and tooling).</summary>
    public UploadApiException()
        : this(HttpStatusCode.InternalServerError, "Unknown", "The upload API failed.")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public UploadApiException(string message)
        : this(HttpStatusCode.InternalServerError, "Unknown", message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public UploadApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = HttpStatusCode.InternalServerError;
        Code = "Unknown";
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The error body's <c>error</c> member; <c>HttpError</c> when the body was not the API's error JSON.</summary>
    public string Code { get; }

    /// <summary>With <c>MissingParts</c>: the part numbers the server did not find.</summary>
    public IReadOnlyList<int>? MissingParts { get; init; }

    /// <summary>With <c>NotOpen</c>: the session's state (<c>completed</c>, <c>aborted</c>).</summary>
    public string? State { get; init; }

    /// <summary>With <c>UnsupportedContentType</c>: the allowed content types.</summary>
    public IReadOnlyList<string>? AllowedContentTypes { get; init; }

    /// <summary>With <c>TooLarge</c>: the largest size allowed.</summary>
    public long? MaxBytes { get; init; }
}
