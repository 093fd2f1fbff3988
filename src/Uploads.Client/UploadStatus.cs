namespace Patterns.Cdk.Uploads.Client;

/// <summary>An upload session as <c>GET /uploads/{id}</c> describes it.</summary>
public sealed class UploadStatus
{
    /// <summary>The upload's id.</summary>
    public required string UploadId { get; init; }

    /// <summary>The object key the server chose.</summary>
    public required string Key { get; init; }

    /// <summary><c>single</c> or <c>multipart</c>.</summary>
    public required string Mode { get; init; }

    /// <summary><c>open</c>, <c>completed</c> or <c>aborted</c>.</summary>
    public required string State { get; init; }

    /// <summary>The declared file name.</summary>
    public string? FileName { get; init; }

    /// <summary>The declared content type.</summary>
    public string? ContentType { get; init; }

    /// <summary>The declared size.</summary>
    public long Size { get; init; }

    /// <summary>The part size (multipart).</summary>
    public long PartSize { get; init; }

    /// <summary>The number of parts (multipart).</summary>
    public int PartCount { get; init; }

    /// <summary>When the session started.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When the session expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The parts S3 holds so far (empty for a single upload).</summary>
    public IReadOnlyList<UploadedPart> Parts { get; init; } = [];
}

/// <summary>A part S3 holds.</summary>
/// <param name="PartNumber">1-based part number.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ETag">Its ETag.</param>
public sealed record UploadedPart(int PartNumber, long Size, string? ETag);
