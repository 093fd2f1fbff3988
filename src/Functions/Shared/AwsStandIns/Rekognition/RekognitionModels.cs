using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.AwsStandIns;

// The parts of Rekognition's DetectFaces wire format (JSON 1.1 protocol) AmazonRekognitionClientStandIn reads and writes.
// Request:  {"Image":{"S3Object":{"Bucket":"b","Name":"k","Version":"v"}},"Attributes":["DEFAULT"]}
// Response: {"FaceDetails":[{"BoundingBox":{"Width":0.2,"Height":0.4,"Left":0.7,"Top":0.3},"Confidence":99.9,...}],...}
// Error:    {"__type":"ThrottlingException","message":"Rate exceeded"} (some services write "Message")

/// <summary>DetectFaces on an S3 object, with the attributes to return (<c>DEFAULT</c>).</summary>
public sealed class DetectFacesRequest(RekognitionImage image, IReadOnlyList<string> attributes)
{
    /// <summary>The image: an S3 object.</summary>
    [JsonPropertyName("Image")]
    public RekognitionImage Image { get; } = image;

    /// <summary>The face attributes to return.</summary>
    [JsonPropertyName("Attributes")]
    public IReadOnlyList<string> Attributes { get; } = attributes;
}

/// <summary>The image of a request: an S3 object.</summary>
public sealed class RekognitionImage(RekognitionS3Object s3Object)
{
    /// <summary>The S3 object.</summary>
    [JsonPropertyName("S3Object")]
    public RekognitionS3Object S3Object { get; } = s3Object;
}

/// <summary>An S3 object, pinned to a version when <c>Version</c> is set.</summary>
public sealed class RekognitionS3Object(string bucket, string name, string? version)
{
    /// <summary>The bucket.</summary>
    [JsonPropertyName("Bucket")]
    public string Bucket { get; } = bucket;

    /// <summary>The key.</summary>
    [JsonPropertyName("Name")]
    public string Name { get; } = name;

    /// <summary>The version id, or null (not written) for an unversioned object.</summary>
    [JsonPropertyName("Version")]
    public string? Version { get; } = version;
}

/// <summary>The DetectFaces answer (the fields used here).</summary>
public sealed class DetectFacesResponse
{
    /// <summary>The faces found; empty when there are none.</summary>
    [JsonPropertyName("FaceDetails")]
    public IReadOnlyList<FaceDetail>? FaceDetails { get; init; }
}

/// <summary>One face found.</summary>
public sealed class FaceDetail
{
    /// <summary>The face's box; null when the service could not locate it.</summary>
    [JsonPropertyName("BoundingBox")]
    public BoundingBox? BoundingBox { get; init; }

    /// <summary>0..100: how sure the service is that this is a face.</summary>
    [JsonPropertyName("Confidence")]
    public double? Confidence { get; init; }
}

/// <summary>Where a face is, as ratios of the image's width and height.</summary>
public sealed class BoundingBox
{
    /// <summary>The width, as a ratio of the image's width.</summary>
    [JsonPropertyName("Width")]
    public double? Width { get; init; }

    /// <summary>The height, as a ratio of the image's height.</summary>
    [JsonPropertyName("Height")]
    public double? Height { get; init; }

    /// <summary>The left edge, as a ratio of the image's width.</summary>
    [JsonPropertyName("Left")]
    public double? Left { get; init; }

    /// <summary>The top edge, as a ratio of the image's height.</summary>
    [JsonPropertyName("Top")]
    public double? Top { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DetectFacesRequest))]
[JsonSerializable(typeof(DetectFacesResponse))]
internal sealed partial class RekognitionJsonContext : JsonSerializerContext;
