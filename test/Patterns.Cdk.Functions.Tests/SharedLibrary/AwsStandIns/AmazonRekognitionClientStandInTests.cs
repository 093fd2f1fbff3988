using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary.AwsStandIns;

/// <summary>The wire format and signing of the Rekognition stand-in (its retries and error mapping: RekognitionFaceDetectorTests).</summary>
public sealed partial class AmazonRekognitionClientStandInTests : IDisposable
{
    private const string AccessKey = TestAws.AccessKey;
    private const string SecretKey = TestAws.SecretKey;
    private const string SessionToken = TestAws.SessionToken;
    private const string TwoFaces = """{"FaceDetails":[{"BoundingBox":{"Width":0.2,"Height":0.4,"Left":0.7,"Top":0.3},"Confidence":99.9}]}""";

    private readonly RecordingHandler _handler = new();

    [Fact]
    public async Task It_posts_DetectFaces_to_the_regional_endpoint_with_the_JSON_1_1_protocol()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces);

        await Client().DetectFacesAsync(Request());

        SentRequest request = _handler.Requests.Should().ContainSingle().Subject;
        request.Method.Should().Be(HttpMethod.Post);
        request.Uri.Should().Be(new Uri("https://rekognition.eu-west-1.amazonaws.com/"));
        request.Header("X-Amz-Target").Should().Be("RekognitionService.DetectFaces");
        request.Header("Content-Type").Should().Be("application/x-amz-json-1.1");
        request.Header("Host").Should().Be("rekognition.eu-west-1.amazonaws.com");
        JsonNode.DeepEquals(
                JsonNode.Parse(request.Body),
                JsonNode.Parse("""{"Image":{"S3Object":{"Bucket":"uploads-bucket","Name":"photos/a b.jpg","Version":"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}},"Attributes":["DEFAULT"]}"""))
            .Should().BeTrue(request.BodyText);
    }

    [Fact]
    public async Task An_unversioned_object_is_sent_without_a_Version()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces);

        await Client().DetectFacesAsync(Request(version: null));

        _handler.Requests.Single().BodyText.Should().Be("""{"Image":{"S3Object":{"Bucket":"uploads-bucket","Name":"photos/a b.jpg"}},"Attributes":["DEFAULT"]}""");
    }

    [Fact]
    public async Task The_request_is_SigV4_signed_for_rekognition_in_the_region_with_the_target_among_the_signed_headers()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces);

        await Client().DetectFacesAsync(Request());

        SentRequest request = _handler.Requests.Single();
        request.Header("X-Amz-Date").Should().Be("20250314T150926Z", "the signing time comes from the injected clock");
        request.Header("X-Amz-Content-SHA256").Should().Be(Convert.ToHexStringLower(SHA256.HashData(request.Body)));
        Match authorization = AuthorizationFormat().Match(request.Header("Authorization"));
        authorization.Success.Should().BeTrue(request.Header("Authorization"));
        authorization.Groups["accessKey"].Value.Should().Be(AccessKey);
        authorization.Groups["scope"].Value.Should().Be("20250314/eu-west-1/rekognition/aws4_request");
        authorization.Groups["signedHeaders"].Value.Split(';').Should().Equal("content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target");
        request.Headers.Should().NotContainKey("X-Amz-Security-Token", "long-term credentials have no session token");
    }

    [Fact]
    public async Task Temporary_credentials_send_and_sign_the_session_token()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces);

        await Client(new SessionAWSCredentials(AccessKey, SecretKey, SessionToken)).DetectFacesAsync(Request());

        SentRequest request = _handler.Requests.Single();
        request.Header("X-Amz-Security-Token").Should().Be(SessionToken);
        AuthorizationFormat().Match(request.Header("Authorization")).Groups["signedHeaders"].Value.Split(';')
            .Should().Contain(["host", "x-amz-date", "x-amz-security-token", "x-amz-target"]);
    }

    [Fact]
    public async Task The_signature_depends_on_the_secret_and_the_body_and_is_reproducible()
    {
        _handler.Fallback = () => RecordingHandler.Response(HttpStatusCode.OK, TwoFaces);

        await Client().DetectFacesAsync(Request());
        await Client().DetectFacesAsync(Request());
        await Client(new BasicAWSCredentials(AccessKey, SecretKey + "x")).DetectFacesAsync(Request());
        await Client().DetectFacesAsync(Request(key: "other.jpg"));

        string[] signatures = _handler.Requests.Select(r => AuthorizationFormat().Match(r.Header("Authorization")).Groups["signature"].Value).ToArray();
        signatures[1].Should().Be(signatures[0]);
        signatures[2].Should().NotBe(signatures[0]);
        signatures[3].Should().NotBe(signatures[0]);
    }

    [Fact]
    public async Task The_endpoint_can_be_overridden_for_tests_and_the_signed_host_includes_its_port()
    {
        _handler.Then(HttpStatusCode.OK, TwoFaces);

        await Client(endpoint: new Uri("http://127.0.0.1:45678")).DetectFacesAsync(Request());

        SentRequest request = _handler.Requests.Single();
        request.Uri.Should().Be(new Uri("http://127.0.0.1:45678/"));
        request.Header("Host").Should().Be("127.0.0.1:45678");
        AuthorizationFormat().Match(request.Header("Authorization")).Groups["scope"].Value.Should().EndWith("/eu-west-1/rekognition/aws4_request");
    }

    public void Dispose() => _handler.Dispose();

    [GeneratedRegex("^AWS4-HMAC-SHA256 Credential=(?<accessKey>[A-Z0-9]+)/(?<scope>\\d{8}/[a-z0-9-]+/[a-z0-9]+/aws4_request), SignedHeaders=(?<signedHeaders>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationFormat();

    private static DetectFacesRequest Request(string key = "photos/a b.jpg", string? version = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY") =>
        new(new RekognitionImage(new RekognitionS3Object("uploads-bucket", key, version)), ["DEFAULT"]);

    private AmazonRekognitionClientStandIn Client(AWSCredentials? credentials = null, Uri? endpoint = null)
    {
        AWSCredentials signing = credentials ?? TestAws.Basic();
        return TestAws.RekognitionClient(_handler, () => signing, endpoint, TimeSpan.FromSeconds(10));
    }
}
