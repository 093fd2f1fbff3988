namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>
/// A refused request: its status, code and a reason a person can act on, with the extra members some codes carry
/// (README.md, "Errors"). Thrown by the handlers' request logic and turned into the JSON error body by
/// <see cref="ApiResponses"/>; it never holds another caller's data.
/// </summary>
public sealed class RequestRefusedException : Exception
{
    private RequestRefusedException(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public int Status { get; }

    public string Code { get; }

    public IReadOnlyList<int>? MissingParts { get; private init; }

    public IReadOnlyList<string>? Allowed { get; private init; }

    public long? MaxBytes { get; private init; }

    public string? State { get; private init; }

    public static RequestRefusedException InvalidJson(string reason) => new(400, "InvalidJson", reason);

    public static RequestRefusedException InvalidRequest(string reason) => new(400, "InvalidRequest", reason);

    public static RequestRefusedException InvalidFileName(string reason) => new(400, "InvalidFileName", reason);

    public static RequestRefusedException UnsupportedContentType(string? got, IReadOnlyList<string> allowed) =>
        new(415, "UnsupportedContentType", got is null ? "a content type is required" : "this content type is not accepted; use one of the allowed types")
        {
            Allowed = allowed,
        };

    public static RequestRefusedException InvalidSize(string reason) => new(400, "InvalidSize", reason);

    public static RequestRefusedException TooLarge(long maxBytes, string what) =>
        new(413, "TooLarge", $"{what} is larger than the limit of {maxBytes} bytes") { MaxBytes = maxBytes };

    public static RequestRefusedException InvalidChecksum(string reason) => new(400, "InvalidChecksum", reason);

    public static RequestRefusedException InvalidPartNumber(string reason) => new(400, "InvalidPartNumber", reason);

    public static RequestRefusedException NotFound(string reason = "no such upload") => new(404, "NotFound", reason);

    /// <summary>403 with a generic message: nothing about the upload (or why) is revealed.</summary>
    public static RequestRefusedException Forbidden() => new(403, "Forbidden", "you are not allowed to use this upload");

    /// <summary>403 when the request carries no usable IAM identity.</summary>
    public static RequestRefusedException NoIdentity() => new(403, "Forbidden", "the request carries no IAM identity this API can scope uploads to");

    public static RequestRefusedException NotOpen(string state) =>
        new(409, "NotOpen", $"the upload is {state}; start a new upload") { State = state };

    public static RequestRefusedException ClientTokenReused() =>
        new(409, "ClientTokenReused", "this clientToken started another upload (other file name, type, size or sha256); use a new token for a new upload");

    public static RequestRefusedException Completing() =>
        new(409, "Completing", "the upload is being completed; complete it again or read it (GET /uploads/{id}) for the result") { State = "completing" };

    public static RequestRefusedException MissingPartsError(IReadOnlyList<int> missing) =>
        new(409, "MissingParts", $"{missing.Count} part(s) have not been uploaded; upload them, then complete again") { MissingParts = missing };

    public static RequestRefusedException SizeMismatch(string reason) => new(409, "SizeMismatch", reason);

    public static RequestRefusedException NotUploaded() =>
        new(409, "NotUploaded", "the file has not been uploaded yet: POST the form to post.url, then complete again");

    /// <summary>503: S3, DynamoDB or EventBridge throttled or failed; the same request may be retried.</summary>
    public static RequestRefusedException TryAgain() => new(503, "TryAgain", "the storage service is busy or failed; retry the request after a short pause");

    /// <summary>500: an unexpected failure (logged).</summary>
    public static RequestRefusedException Internal() => new(500, "InternalError", "the request could not be handled");

    
}
