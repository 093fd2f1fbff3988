using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Detection;

public sealed partial class RekognitionFaceDetectorTests : IDisposable
{
    private const string AccessKey = TestAws.AccessKey;
    private const string SecretKey = TestAws.SecretKey;
    private const string SessionToken = TestAws.SessionToken;

    private const string TwoFaces = """
        {"FaceDetails":[
          {"BoundingBox":{"Width":0.2040816,"Height":0.4340078,"Left":0.7279957,"Top":0.3109045},"Confidence":99.99,"Landmarks":[{"Type":"eyeLeft","X":0.78,"Y":0.46}],"Pose":{"Roll":23.8,"Yaw":1.4,"Pitch":2.7},"Quality":{"Brightness":83.7,"Sharpness":89.8}},
          {"BoundingBox":{"Width":0.1,"Height":0.12,"Left":-0.02,"Top":0.05},"Confidence":87.5}
        ],"OrientationCorrection":"ROTATE_0"}
        """;

    private static readonly S3ObjectLocation Image = new("uploads-bucket", "photos/a b.jpg", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY");

    private readonly RecordingHandler _handler = new();
    private readonly TestLog _log = new();
    private readonly List<TimeSpan> _delays = [];
    private double _random = 0.5;

    [Fact]
    public async Task Bounding_boxes_become_face_boxes_and_faces_below_the_confidence_threshold_are_ignored()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces).Then(HttpStatusCode.OK, TwoFaces);

        IReadOnlyList<FaceBox> defaultThreshold = await Detector().DetectFacesAsync(Image);
        IReadOnlyList<FaceBox> strict = await Detector(minConfidence: 90).DetectFacesAsync(Image);

        defaultThreshold.Should().Equal(new FaceBox(0.7279957, 0.3109045, 0.2040816, 0.4340078), new FaceBox(-0.02, 0.05, 0.1, 0.12));
        strict.Should().Equal(new FaceBox(0.7279957, 0.3109045, 0.2040816, 0.4340078));
    }

    [Fact]
    public async Task No_faces_is_an_empty_list()
    {
        _handler.Then(HttpStatusCode.OK, """{"FaceDetails":[]}""");

        (await Detector().DetectFacesAsync(Image)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"FaceDetails":[{"Confidence":99.0}]}""", "no complete BoundingBox")]
    [InlineData("""{"FaceDetails":[{"BoundingBox":{"Width":0.1,"Height":0.1,"Left":0.2},"Confidence":99.0}]}""", "no complete BoundingBox")]
    [InlineData("""{"FaceDetails":[null]}""", "a face in the response is null")]
    [InlineData("""{"FaceDetails":[{"BoundingBox":{"Width":0.1,"Height":0.1,"Left":0.2,"Top":0.2},"Confidence":99.0},null]}""", "a face in the response is null")]
    [InlineData("""{"FaceDetails":[{"BoundingBox":null,"Confidence":99.0}]}""", "no complete BoundingBox")]
    [InlineData("""{"FaceDetails":null}""", "no FaceDetails")]
    [InlineData("""{"OrientationCorrection":"ROTATE_0"}""", "no FaceDetails")]
    [InlineData("""<html>oops</html>""", "not DetectFaces JSON")]
    public async Task An_unusable_success_response_fails_closed_as_transient_without_retrying(string body, string reason)
    {
        _handler.Then(HttpStatusCode.OK, body);

        Func<Task> detect = () => Detector().DetectFacesAsync(Image);

        (await detect.Should().ThrowAsync<FaceDetectionTransientException>()).Which.Message.Should().Contain(reason);
        _handler.Requests.Should().ContainSingle();
    }

    [Theory]
    [InlineData("ThrottlingException")]
    [InlineData("ProvisionedThroughputExceededException")]
    [InlineData("LimitExceededException")]
    public async Task Throttling_is_retried_with_jittered_exponential_backoff_until_it_succeeds(string errorCode)
    {
        _random = 0.999;
        _handler.ThenError(errorCode, "Rate exceeded").ThenError(errorCode, "Rate exceeded").Then(HttpStatusCode.OK, TwoFaces);

        IReadOnlyList<FaceBox> faces = await Detector().DetectFacesAsync(Image);

        faces.Should().HaveCount(2);
        _handler.Requests.Should().HaveCount(3);
        _delays.Should().HaveCount(2);
        _delays[0].Should().BeGreaterThanOrEqualTo(TimeSpan.Zero).And.BeLessThan(TimeSpan.FromMilliseconds(200));
        _delays[1].Should().BeGreaterThanOrEqualTo(TimeSpan.Zero).And.BeLessThan(TimeSpan.FromMilliseconds(400));
        _delays.Should().Equal(TimeSpan.FromMilliseconds(199), TimeSpan.FromMilliseconds(399));
        _log.At("WARN").Select(l => l.GetProperty("errorCode").GetString()).Should().Equal(errorCode, errorCode);
        _handler.Requests.Select(r => r.Header("Authorization")).Distinct().Should().HaveCount(1, "the same clock time and body give the same signature; each attempt is signed afresh");
    }

    [Theory]
    [InlineData("ThrottlingException")]
    [InlineData("ProvisionedThroughputExceededException")]
    [InlineData("LimitExceededException")]
    public async Task Throttling_that_persists_stops_at_four_attempts_and_is_reported_as_transient(string errorCode)
    {
        _random = 0.999;
        _handler.Fallback = () => RecordingHandler.Response(HttpStatusCode.BadRequest, $$"""{"__type":"{{errorCode}}","message":"Slow down"}""");

        Func<Task> detect = () => Detector().DetectFacesAsync(Image);

        FaceDetectionTransientException error = (await detect.Should().ThrowAsync<FaceDetectionTransientException>()).Which;
        error.ErrorCode.Should().Be(errorCode);
        error.StatusCode.Should().Be(400);
        error.Attempts.Should().Be(4);
        error.Message.Should().Contain("gave up after 4 attempts").And.Contain("Slow down");
        _handler.Requests.Should().HaveCount(4);
        _delays.Should().Equal(TimeSpan.FromMilliseconds(199), TimeSpan.FromMilliseconds(399), TimeSpan.FromMilliseconds(799));
    }

    [Fact]
    public async Task Jitter_is_full_a_random_of_zero_retries_at_once()
    {
        _random = 0;
        _handler.ThenError("ThrottlingException", "Rate exceeded").Then(HttpStatusCode.OK, TwoFaces);

        await Detector().DetectFacesAsync(Image);

        _delays.Should().Equal(TimeSpan.Zero);
    }

    [Fact]
    public async Task Server_errors_network_errors_and_timeouts_are_retried()
    {
        _handler
            .Then(HttpStatusCode.InternalServerError, """{"__type":"InternalServerError","message":"Internal server error"}""")
            .Then(HttpStatusCode.ServiceUnavailable, "<html>Service Unavailable</html>")
            .ThenThrow(new HttpRequestException("Connection reset by peer"))
            .Then(HttpStatusCode.OK, TwoFaces);
        DetectionRetryPolicy fiveAttempts = DetectionRetryPolicy.Default with { MaxAttempts = 5, AttemptTimeout = TimeSpan.FromMilliseconds(100) };

        IReadOnlyList<FaceBox> faces = await Detector(retry: fiveAttempts).DetectFacesAsync(Image);

        faces.Should().HaveCount(2);
        _handler.Requests.Should().HaveCount(4);
        _log.At("WARN").Select(l => l.GetProperty("statusCode").GetInt64()).Should().Equal(500, 503, 0);
    }

    [Fact]
    public async Task A_request_that_gets_no_answer_times_out_and_is_retried()
    {
        _handler.ThenHang().Then(HttpStatusCode.OK, TwoFaces);

        IReadOnlyList<FaceBox> faces = await Detector(retry: DetectionRetryPolicy.Default with { AttemptTimeout = TimeSpan.FromMilliseconds(50) }).DetectFacesAsync(Image);

        faces.Should().HaveCount(2);
        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_persistent_500_ends_as_transient_after_the_attempt_cap()
    {
        _handler.Fallback = () => RecordingHandler.Response(HttpStatusCode.InternalServerError, """{"__type":"InternalServerError","message":"boom"}""");

        Func<Task> detect = () => Detector().DetectFacesAsync(Image);

        (await detect.Should().ThrowAsync<FaceDetectionTransientException>()).Which.StatusCode.Should().Be(500);
        _handler.Requests.Should().HaveCount(4);
        ErrorClassifier.Classify(new FaceDetectionTransientException()).Should().Be(ErrorKind.Transient);
    }

    [Theory]
    [InlineData("InvalidImageFormatException", "Request has invalid image format")]
    [InlineData("ImageTooLargeException", "Image size is too large.")]
    [InlineData("InvalidS3ObjectException", "Unable to get object metadata from S3. Check object key, region and/or access permissions.")]
    public async Task Errors_about_the_image_itself_are_bad_input_with_the_service_message_and_are_not_retried(string errorCode, string message)
    {
        _handler.ThenError(errorCode, message);

        Func<Task> detect = () => Detector().DetectFacesAsync(Image);

        BadInputException error = (await detect.Should().ThrowAsync<BadInputException>()).Which;
        error.Reason.Should().Be($"Rekognition rejected the image ({errorCode}): {message}");
        _handler.Requests.Should().ContainSingle();
        _delays.Should().BeEmpty();
    }

    [Theory]
    [InlineData("AccessDeniedException", HttpStatusCode.BadRequest)]
    [InlineData("InvalidParameterException", HttpStatusCode.BadRequest)]
    [InlineData("UnrecognizedClientException", HttpStatusCode.Forbidden)]
    [InlineData("InvalidSignatureException", HttpStatusCode.Forbidden)]
    public async Task Other_client_errors_are_transient_at_once_so_the_queue_retries_them_into_the_alarmed_dead_letter_queue(string errorCode, HttpStatusCode status)
    {
        _handler.ThenError(errorCode, "nope", status);

        Func<Task> detect = () => Detector().DetectFacesAsync(Image);

        FaceDetectionTransientException error = (await detect.Should().ThrowAsync<FaceDetectionTransientException>()).Which;
        error.ErrorCode.Should().Be(errorCode);
        error.Attempts.Should().Be(1);
        error.Message.Should().Contain("not retried by the client");
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Qualified_error_types_and_the_error_type_header_are_understood()
    {
        _handler
            .Then(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.rekognition#ThrottlingException","Message":"Rate exceeded"}""")
            .Then(HttpStatusCode.BadRequest, "{}", ("x-amzn-ErrorType", "ProvisionedThroughputExceededException:http://internal.amazon.com/coral/com.amazon.coral.availability/"))
            .Then(HttpStatusCode.OK, TwoFaces);

        (await Detector().DetectFacesAsync(Image)).Should().HaveCount(2);

        _log.At("WARN").Select(l => l.GetProperty("errorCode").GetString()).Should().Equal("ThrottlingException", "ProvisionedThroughputExceededException");
    }

    [Fact]
    public async Task Credentials_and_signatures_are_never_logged()
    {
        _handler.ThenError("ThrottlingException", "Rate exceeded").Then(HttpStatusCode.OK, TwoFaces);

        await Detector(new SessionAWSCredentials(AccessKey, SecretKey, SessionToken)).DetectFacesAsync(Image);

        string signature = AuthorizationFormat().Match(_handler.Requests[0].Header("Authorization")).Groups["signature"].Value;
        _log.Text.Should().NotContain(SecretKey).And.NotContain(SessionToken).And.NotContain(signature).And.NotContain(AccessKey).And.NotContain("Authorization");
    }

    [Fact]
    public async Task A_failing_credential_chain_is_transient()
    {
        var detector = new RekognitionFaceDetector(
            TestAws.RekognitionClient(_handler, () => throw new AmazonClientException("Failed to resolve AWS credentials."), null, TimeSpan.FromSeconds(10)), Options(), _log.Log);

        Func<Task> detect = () => detector.DetectFacesAsync(Image);

        (await detect.Should().ThrowAsync<FaceDetectionTransientException>()).Which.Message.Should().Contain("could not resolve AWS credentials");
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public void The_body_is_written_by_source_generated_json()
    {
        // Reflection-based JSON is disabled in this test project, as in the handlers: serialization must not need it.
        JsonSerializer.IsReflectionEnabledByDefault.Should().BeFalse();
    }

    public void Dispose() => _handler.Dispose();

    [GeneratedRegex("^AWS4-HMAC-SHA256 Credential=(?<accessKey>[A-Z0-9]+)/(?<scope>\\d{8}/[a-z0-9-]+/[a-z0-9]+/aws4_request), SignedHeaders=(?<signedHeaders>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationFormat();

    private FaceDetectorOptions Options(double minConfidence = 50, DetectionRetryPolicy? retry = null) => new()
    {
        MinFaceConfidence = minConfidence,
        Retry = retry ?? DetectionRetryPolicy.Default,
        Delay = (delay, _) =>
        {
            _delays.Add(delay);
            return Task.CompletedTask;
        },
        Random = () => _random,
    };

    private RekognitionFaceDetector Detector(AWSCredentials? credentials = null, Uri? endpoint = null, double minConfidence = 50, DetectionRetryPolicy? retry = null)
    {
        AWSCredentials signing = credentials ?? TestAws.Basic();
        DetectionRetryPolicy policy = retry ?? DetectionRetryPolicy.Default;
        return new(TestAws.RekognitionClient(_handler, () => signing, endpoint, policy.AttemptTimeout), Options(minConfidence, policy), _log.Log);
    }
}
