namespace Patterns.Cdk.Functions.PrivateUploadApi.Store;

/// <summary>
/// The states of a session: <c>open</c> until it is aborted or a completion claims it (<c>completing</c>, then
/// <c>completed</c>). Each move is one conditional write, so an abort and a completion cannot both win.
/// </summary>
public static class SessionStates
{
    public const string Open = "open";

    /// <summary>A completion claimed the session and is completing the object in S3; only a completion may go on from here.</summary>
    public const string Completing = "completing";
    public const string Completed = "completed";
    public const string Aborted = "aborted";
}

/// <summary>
/// One upload, as the session table holds it (README.md, "Session item"). <see cref="S3UploadId"/> never leaves the
/// server; <see cref="Owner"/> is the caller scope every <c>{id}</c> route compares.
/// </summary>
public sealed record UploadSession
{
    public required string UploadId { get; init; }

    public required string Owner { get; init; }

    public required string Key { get; init; }

    public required UploadMode Mode { get; init; }

    public required string State { get; init; }

    /// <summary>S3's multipart UploadId (multipart only).</summary>
    public string? S3UploadId { get; init; }

    public required string FileName { get; init; }

    public required string ContentType { get; init; }

    public required long Size { get; init; }

    public required long PartSize { get; init; }

    public required int PartCount { get; init; }

    /// <summary>The SHA-256 the caller declared (base64), or null.</summary>
    public string? Sha256 { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The object's ETag once completed.</summary>
    public string? Etag { get; init; }

    /// <summary>The SHA-256 S3 verified or the server computed (base64), once completed; null when none was verified.</summary>
    public string? ObjectSha256 { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public PartPlan Plan => new(Mode, PartSize, PartCount);
}
