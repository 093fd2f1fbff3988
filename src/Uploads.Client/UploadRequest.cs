namespace Patterns.Cdk.Uploads.Client;

/// <summary>What to call the uploaded file and how to describe it.</summary>
public sealed class UploadRequest
{
    /// <summary>
    /// The file name the server keeps (last segment of the object key). Default: the file's own name for a path upload;
    /// required for a stream upload.
    /// </summary>
    public string? FileName { get; init; }

    /// <summary>The content type (must be in the API's allowlist). Default: from the file name's extension, else <c>application/octet-stream</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// Whether the SHA-256 of the whole content is computed first and declared to the API (one extra read of the file;
    /// S3 checks it for single uploads). Ignored for streams that cannot seek. Default: true.
    /// </summary>
    public bool SendSha256 { get; init; } = true;

    /// <summary>
    /// The content's length, needed only for a stream whose length cannot be read (a non-seekable stream). It must be
    /// exact: the upload fails when the stream ends early or has more bytes. Default: the stream's or file's length.
    /// </summary>
    public long? Size { get; init; }

    /// <summary>Called with the upload's id as soon as the API created the session (keep it to resume later). Default: none.</summary>
    public Action<string>? OnStarted { get; init; }
}
