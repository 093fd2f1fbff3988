using System.Globalization;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>Whether a failed call to an AWS service may succeed when made again.</summary>
public enum AwsErrorKind
{
    /// <summary>Throttling, HTTP 429, 5xx, network errors and timeouts: worth another attempt.</summary>
    Transient,

    /// <summary>Any other 4xx (access denied, validation, a missing resource), unusable credentials, an unreadable answer: the same call fails the same way.</summary>
    Permanent,
}

/// <summary>
/// A stand-in client's call failed (the official clients throw <c>AmazonServiceException</c> subclasses instead). The
/// message names the operation, the error code, the HTTP status and the service's message; never credentials,
/// signatures or the request and response bodies.
/// </summary>
public sealed class AwsStandInException : Exception
{
    /// <param name="operation">The operation (<c>GetSecretValue</c>).</param>
    /// <param name="kind">Transient or permanent.</param>
    /// <param name="errorCode">The service's error code, unqualified, or null.</param>
    /// <param name="statusCode">The HTTP status, or null when no answer arrived.</param>
    /// <param name="detail">The service's error message, or what went wrong without an answer.</param>
    /// <param name="innerException">The network, timeout or credential exception, if any.</param>
    public AwsStandInException(string operation, AwsErrorKind kind, string? errorCode, int? statusCode, string? detail, Exception? innerException = null)
        : base(Describe(operation, errorCode, statusCode, detail), innerException)
    {
        Operation = operation;
        Kind = kind;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        Detail = detail;
    }

    /// <summary>The operation that failed.</summary>
    public string Operation { get; }

    /// <summary>Whether another attempt may succeed.</summary>
    public AwsErrorKind Kind { get; }

    /// <summary>Shorthand for <see cref="Kind"/> == <see cref="AwsErrorKind.Transient"/>.</summary>
    public bool IsTransient => Kind == AwsErrorKind.Transient;

    /// <summary>The service's error code (<c>ThrottlingException</c>), without namespace or URL; null for network errors, timeouts and errors without a code.</summary>
    public string? ErrorCode { get; }

    /// <summary>The HTTP status of the answer, or null when none arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>The service's error message, or a description of a failure without an answer; null when the service gave none.</summary>
    public string? Detail { get; }

    private static string Describe(string operation, string? errorCode, int? statusCode, string? detail) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{operation} failed: {errorCode ?? "no error code"}{(statusCode is { } status ? $" (HTTP {status})" : "")}: {detail ?? "no message"}");
}
