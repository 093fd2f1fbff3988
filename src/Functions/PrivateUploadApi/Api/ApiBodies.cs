using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

// The JSON bodies of the upload API (README.md, "HTTP contract"). camelCase; optional members are left out when null.

/// <summary>Every error: <c>{"error":"&lt;Code&gt;","message":"..."}</c> plus the members some codes carry.</summary>
internal sealed record ErrorBody(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message)
{
    public IReadOnlyList<int>? MissingParts { get; init; }

    public IReadOnlyList<string>? Allowed { get; init; }

    public long? MaxBytes { get; init; }

    public string? State { get; init; }
}

/// <summary>201 of <c>POST /uploads</c>.</summary>
internal sealed record SessionBody
{
    public required string UploadId { get; init; }

    public required string Key { get; init; }

    public required string Mode { get; init; }

    public required string ExpiresAt { get; init; }

    public PostForm? Post { get; init; }

    public long? PartSize { get; init; }

    public int? PartCount { get; init; }
}

/// <summary>The presigned POST of a single upload: the form's action and its fields (the file goes last).</summary>
internal sealed record PostForm(string Url, IReadOnlyDictionary<string, string> Fields, string ExpiresAt);

/// <summary>200 of <c>POST /uploads/{id}/parts</c>.</summary>
internal sealed record PartUrlsBody(string UploadId, IReadOnlyList<PartUrl> Parts);

/// <summary>One part's presigned UploadPart URL; <c>contentMd5</c> when it was signed in (the client then sends exactly that header).</summary>
internal sealed record PartUrl(int PartNumber, string Url, string ExpiresAt)
{
    public string? ContentMd5 { get; init; }
}

/// <summary>200 of <c>GET /uploads/{id}</c>.</summary>
internal sealed record SessionStateBody
{
    public required string UploadId { get; init; }

    public required string Key { get; init; }

    public required string Mode { get; init; }

    public required string State { get; init; }

    public required string FileName { get; init; }

    public required string ContentType { get; init; }

    public required long Size { get; init; }

    public required long PartSize { get; init; }

    public required int PartCount { get; init; }

    public required string CreatedAt { get; init; }

    public required string ExpiresAt { get; init; }

    public required IReadOnlyList<ReceivedPart> Parts { get; init; }
}

/// <summary>A part S3 holds.</summary>
internal sealed record ReceivedPart(int PartNumber, long Size, string Etag);

/// <summary>200 of <c>POST /uploads/{id}/complete</c>.</summary>
internal sealed record CompletedBody
{
    public required string UploadId { get; init; }

    public required string Key { get; init; }

    public required long Size { get; init; }

    public required string ContentType { get; init; }

    public required string Etag { get; init; }

    public string? Sha256 { get; init; }
}

/// <summary>201 of <c>PUT /files/{fileName}</c>.</summary>
internal sealed record DirectBody(string UploadId, string Key, long Size, string ContentType, string Sha256);

/// <summary>The <c>detail</c> of <c>Upload.Completed</c>.</summary>
public sealed record UploadCompletedDetail
{
    public required string UploadId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required long Size { get; init; }

    public required string ContentType { get; init; }

    public required string FileName { get; init; }

    public required string Owner { get; init; }

    public required string Etag { get; init; }

    public string? Sha256 { get; init; }

    public required string CompletedAt { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(SessionBody))]
[JsonSerializable(typeof(PartUrlsBody))]
[JsonSerializable(typeof(SessionStateBody))]
[JsonSerializable(typeof(CompletedBody))]
[JsonSerializable(typeof(DirectBody))]
[JsonSerializable(typeof(UploadCompletedDetail))]
internal sealed partial class UploadJsonContext : JsonSerializerContext;
