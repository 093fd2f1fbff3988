using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// An S3 event notification, as S3 sends it to Lambda (asynchronous invoke) or as the body of an SQS message.
/// <see cref="Records"/> is absent only in the <see cref="S3TestEvent"/> that S3 sends when a notification
/// configuration is created; use <see cref="S3Notification.Parse(string)"/> to tell the two apart.
/// </summary>
public sealed record S3Event
{
    [JsonPropertyName("Records")]
    public IReadOnlyList<S3EventRecord>? Records { get; init; }
}

/// <summary>One event in an <see cref="S3Event"/>. The object key is URL-encoded: decode it with <see cref="S3ObjectKey.Decode"/>.</summary>
public sealed record S3EventRecord
{
    [JsonPropertyName("eventVersion")]
    public string? EventVersion { get; init; }

    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; init; }

    [JsonPropertyName("eventTime")]
    public DateTime? EventTime { get; init; }

    /// <summary>For example <c>ObjectCreated:Put</c> (no <c>s3:</c> prefix in notifications).</summary>
    [JsonPropertyName("eventName")]
    public required string EventName { get; init; }

    [JsonPropertyName("userIdentity")]
    public S3UserIdentity? UserIdentity { get; init; }

    [JsonPropertyName("requestParameters")]
    public S3RequestParameters? RequestParameters { get; init; }

    [JsonPropertyName("responseElements")]
    public S3ResponseElements? ResponseElements { get; init; }

    [JsonPropertyName("s3")]
    public required S3Entity S3 { get; init; }
}

/// <summary>Who made the request; for an assumed role <c>AWS:AROA...:session-name</c>.</summary>
public sealed record S3UserIdentity
{
    [JsonPropertyName("principalId")]
    public string? PrincipalId { get; init; }
}

public sealed record S3RequestParameters
{
    [JsonPropertyName("sourceIPAddress")]
    public string? SourceIpAddress { get; init; }
}

public sealed record S3ResponseElements
{
    [JsonPropertyName("x-amz-request-id")]
    public string? RequestId { get; init; }

    [JsonPropertyName("x-amz-id-2")]
    public string? HostId { get; init; }
}

public sealed record S3Entity
{
    [JsonPropertyName("s3SchemaVersion")]
    public string? SchemaVersion { get; init; }

    [JsonPropertyName("configurationId")]
    public string? ConfigurationId { get; init; }

    [JsonPropertyName("bucket")]
    public required S3BucketEntity Bucket { get; init; }

    [JsonPropertyName("object")]
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Mirrors the wire name s3.object and the official model.")]
    public required S3ObjectEntity Object { get; init; }
}

public sealed record S3BucketEntity
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("ownerIdentity")]
    public S3UserIdentity? OwnerIdentity { get; init; }

    [JsonPropertyName("arn")]
    public string? Arn { get; init; }
}

public sealed record S3ObjectEntity
{
    /// <summary>URL-encoded (form style: <c>+</c> is a space). Decode with <see cref="S3ObjectKey.Decode"/>.</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("size")]
    public long? Size { get; init; }

    [JsonPropertyName("eTag")]
    public string? ETag { get; init; }

    /// <summary>Present when the bucket is versioned; S3 sends the string <c>"null"</c> for objects written while versioning was suspended.</summary>
    [JsonPropertyName("versionId")]
    public string? VersionId { get; init; }

    [JsonPropertyName("sequencer")]
    public string? Sequencer { get; init; }
}
