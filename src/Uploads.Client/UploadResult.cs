namespace Patterns.Cdk.Uploads.Client;

/// <summary>A completed upload, as the API's <c>POST /uploads/{id}/complete</c> describes it.</summary>
public sealed class UploadResult
{
    /// <summary>The upload's id (32 hex characters).</summary>
    public required string UploadId { get; init; }

    /// <summary>The object key the server chose.</summary>
    public required string Key { get; init; }

    /// <summary>The object's size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The object's content type.</summary>
    public required string ContentType { get; init; }

    /// <summary>The object's ETag (a multipart ETag ends in <c>-partCount</c>).</summary>
    public string? ETag { get; init; }

    /// <summary>The SHA-256 (base64) declared for the object, when one was sent.</summary>
    public string? Sha256 { get; init; }
}
