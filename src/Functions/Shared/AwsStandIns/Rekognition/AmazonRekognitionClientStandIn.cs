using System.Text.Json;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// <b>A stand-in for the official <c>AmazonRekognitionClient</c></b> (<c>AWSSDK.Rekognition</c>), which this build cannot
/// reference: one operation, <c>DetectFaces</c> on an S3 object (awsJson 1.1, <c>X-Amz-Target: RekognitionService.DetectFaces</c>).
/// To swap: call <c>AmazonRekognitionClient.DetectFacesAsync</c> with the same request and catch <c>AmazonServiceException</c>
/// instead of <see cref="AwsStandInException"/> (README.md in this folder).
/// </summary>
public sealed class AmazonRekognitionClientStandIn
{
    /// <summary>The <c>X-Amz-Target</c> of DetectFaces.</summary>
    public const string Target = "RekognitionService.DetectFaces";

    /// <summary>The content type of the awsJson 1.1 protocol.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 signing name of Rekognition.</summary>
    public const string ServiceName = "rekognition";

    private const string Operation = "DetectFaces";

    private static readonly Dictionary<string, string> NoPathResources = [];

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("X-Amz-Target", Target),
        new("Content-Type", ContentType),
    ];

    private readonly AwsStandInTransport _transport;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>rekognition</c>.</param>
    /// <param name="timeout">How long one call may take.</param>
    public AmazonRekognitionClientStandIn(AwsStandInTransport transport, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timeout = timeout;
    }

    /// <summary>The Rekognition client for <paramref name="region"/> (the regional endpoint unless <paramref name="endpointOverride"/>).</summary>
    public static AmazonRekognitionClientStandIn CreateDefault(string region, TimeSpan timeout, Uri? endpointOverride = null) =>
        new(AwsStandInTransport.CreateDefault(ServiceName, ServiceName, region, endpointOverride), timeout);

    /// <summary>Detects the faces in an image stored in S3.</summary>
    /// <exception cref="AwsStandInException">The call failed, or the answer is not DetectFaces JSON.</exception>
    public async Task<DetectFacesResponse> DetectFacesAsync(DetectFacesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, RekognitionJsonContext.Default.DetectFacesRequest);
        AwsResponse response = await _transport.PostAsync(Operation, "/", NoPathResources, Headers, body, _timeout, cancellationToken);
        return AwsStandInTransport.ReadJson(Operation, response, RekognitionJsonContext.Default.DetectFacesResponse);
    }
}
