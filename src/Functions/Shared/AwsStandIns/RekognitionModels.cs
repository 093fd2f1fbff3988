using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

// The parts of Rekognition's DetectFaces wire format (JSON 1.1 protocol) the stand-in reads and writes.
// Request:  {"Image":{"S3Object":{"Bucket":"b","Name":"k","Version":"v"}},"Attributes":["DEFAULT"]}
// Response: {"FaceDetails":[{"BoundingBox":{"Width":0.2,"Height":0.4,"Left":0.7,"Top":0.3},"Confidence":99.9,...}],...}
// Error:    {"__type":"ThrottlingException","message":"Rate exceeded"} (some services write "Message")

internal sealed record DetectFacesRequest(
    [property: JsonPropertyName("Image")] RekognitionImage Image,
    [property: JsonPropertyName("Attributes")] IReadOnlyList<string> Attributes);

internal sealed record RekognitionImage(
    [property: JsonPropertyName("S3Object")] RekognitionS3Object S3Object);

internal sealed record RekognitionS3Object(
    [property: JsonPropertyName("Bucket")] string Bucket,
    [property: JsonPropertyName("Name")] string Name,
    [property: JsonPropertyName("Version")] string? Version);

internal sealed record DetectFacesResponse
{
    [JsonPropertyName("FaceDetails")]
    public IReadOnlyList<FaceDetail>? FaceDetails { get; init; }
}

internal sealed record FaceDetail
{
    [JsonPropertyName("BoundingBox")]
    public BoundingBox? BoundingBox { get; init; }

    /// <summary>0..100: how sure the service is that this is a face.</summary>
    [JsonPropertyName("Confidence")]
    public double? Confidence { get; init; }
}

internal sealed record BoundingBox
{
    [JsonPropertyName("Width")]
    public double? Width { get; init; }

    [JsonPropertyName("Height")]
    public double? Height { get; init; }

    [JsonPropertyName("Left")]
    public double? Left { get; init; }

    [JsonPropertyName("Top")]
    public double? Top { get; init; }
}

internal sealed record RekognitionError
{
    /// <summary>The error code, possibly qualified: <c>ThrottlingException</c> or <c>com.amazonaws.rekognition#ThrottlingException</c>.</summary>
    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    [JsonPropertyName("message")]
    public string? LowerCaseMessage { get; init; }

    [JsonPropertyName("Message")]
    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DetectFacesRequest))]
[JsonSerializable(typeof(DetectFacesResponse))]
[JsonSerializable(typeof(RekognitionError))]
internal sealed partial class RekognitionJsonContext : JsonSerializerContext;
