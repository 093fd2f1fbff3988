using System.Text.Json.Serialization;

namespace Patterns.Cdk.Uploads.Client.Internal;

// The wire shapes of the upload API (camelCase JSON). Kept internal: the public types are mapped from them.

internal sealed class CreateUploadBody
{
    public required string FileName { get; init; }

    public required string ContentType { get; init; }

    public required long Size { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    /// <summary>One per upload, the same in every retry of its start: a retry whose first answer was lost gets the same session.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientToken { get; init; }
}

internal sealed class SessionBody
{
    public string? UploadId { get; init; }

    public string? Key { get; init; }

    public string? Mode { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public PostForm? Post { get; init; }

    public long? PartSize { get; init; }

    public int? PartCount { get; init; }
}

internal sealed class PostForm
{
    public string? Url { get; init; }

    public Dictionary<string, string>? Fields { get; init; }
}

internal sealed class PartUrlsRequestBody
{
    public required int[] PartNumbers { get; init; }

    /// <summary>The base64 MD5 of each part, same order: the API signs it into the URL, so the PUT must send exactly it.</summary>
    public required string[] ContentMd5 { get; init; }
}

internal sealed class PartUrlsBody
{
    public string? UploadId { get; init; }

    public List<PartUrlBody>? Parts { get; init; }
}

internal sealed class PartUrlBody
{
    public int PartNumber { get; init; }

    public string? Url { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? ContentMd5 { get; init; }
}

internal sealed class StatusBody
{
    public string? UploadId { get; init; }

    public string? Key { get; init; }

    public string? Mode { get; init; }

    public string? State { get; init; }

    public string? FileName { get; init; }

    public string? ContentType { get; init; }

    public long Size { get; init; }

    public long? PartSize { get; init; }

    public int? PartCount { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public List<StatusPartBody>? Parts { get; init; }
}

internal sealed class StatusPartBody
{
    public int PartNumber { get; init; }

    public long Size { get; init; }

    public string? Etag { get; init; }
}

internal sealed class CompleteBody
{
    public string? UploadId { get; init; }

    public string? Key { get; init; }

    public long Size { get; init; }

    public string? ContentType { get; init; }

    public string? Etag { get; init; }

    public string? Sha256 { get; init; }
}

internal sealed class ErrorBody
{
    public string? Error { get; init; }

    public string? Message { get; init; }

    public List<int>? MissingParts { get; init; }

    public string? State { get; init; }

    public List<string>? Allowed { get; init; }

    public long? MaxBytes { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CreateUploadBody))]
[JsonSerializable(typeof(SessionBody))]
[JsonSerializable(typeof(PartUrlsRequestBody))]
[JsonSerializable(typeof(PartUrlsBody))]
[JsonSerializable(typeof(StatusBody))]
[JsonSerializable(typeof(CompleteBody))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ApiJson : JsonSerializerContext;
