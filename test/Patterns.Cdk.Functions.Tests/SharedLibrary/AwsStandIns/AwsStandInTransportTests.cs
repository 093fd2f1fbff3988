using System.Net;
using System.Text;
using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary.AwsStandIns;

/// <summary>The one transport of the stand-in clients: endpoints, error shapes and their classification.</summary>
public sealed class AwsStandInTransportTests : IDisposable
{
    private static readonly Dictionary<string, string> NoPathResources = [];
    private static readonly KeyValuePair<string, string>[] Headers = [new("X-Amz-Target", "Service.Operation"), new("Content-Type", "application/x-amz-json-1.1")];

    private readonly RecordingHandler _handler = new();

    public void Dispose() => _handler.Dispose();

    [Theory]
    [InlineData("secretsmanager", "eu-west-1", "https://secretsmanager.eu-west-1.amazonaws.com/")]
    [InlineData("lambda", "cn-north-1", "https://lambda.cn-north-1.amazonaws.com.cn/")]
    [InlineData("rekognition", "us-gov-west-1", "https://rekognition.us-gov-west-1.amazonaws.com/")]
    public void The_endpoint_is_regional_by_default(string prefix, string region, string expected) =>
        AwsEndpoints.Resolve(prefix, region).Should().Be(new Uri(expected));

    [Fact]
    public void An_endpoint_override_wins() =>
        AwsEndpoints.Resolve("lambda", "eu-west-1", new Uri("http://127.0.0.1:4566/")).Should().Be(new Uri("http://127.0.0.1:4566/"));

    [Theory]
    [InlineData(400, "ThrottlingException", AwsErrorKind.Transient)]
    [InlineData(400, "LimitExceededException", AwsErrorKind.Transient)]
    [InlineData(429, "TooManyRequestsException", AwsErrorKind.Transient)]
    [InlineData(429, null, AwsErrorKind.Transient)]
    [InlineData(500, "InternalServiceError", AwsErrorKind.Transient)]
    [InlineData(503, null, AwsErrorKind.Transient)]
    [InlineData(400, "AccessDeniedException", AwsErrorKind.Permanent)]
    [InlineData(403, "UnrecognizedClientException", AwsErrorKind.Permanent)]
    [InlineData(404, "ResourceNotFoundException", AwsErrorKind.Permanent)]
    [InlineData(400, null, AwsErrorKind.Permanent)]
    public void Throttling_429_and_5xx_are_transient_other_4xx_are_permanent(int status, string? code, AwsErrorKind expected) =>
        AwsErrors.Classify(status, code).Should().Be(expected);

    [Theory]
    [InlineData("""{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}""", null, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")]
    [InlineData("""{"__type":"com.amazonaws.rekognition#ThrottlingException","message":"Rate exceeded"}""", null, "ThrottlingException", "Rate exceeded")]
    [InlineData("""{"code":"ValidationException","message":"bad"}""", null, "ValidationException", "bad")]
    [InlineData("""{"Type":"User","message":"Function not found"}""", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/", "ResourceNotFoundException", "Function not found")]
    [InlineData("<html>Service Unavailable</html>", null, null, null)]
    [InlineData("", null, null, null)]
    [InlineData("""["not","an","object"]""", null, null, null)]
    public void Json_protocol_errors_are_read_from_the_header_or_the_body(string body, string? header, string? code, string? message)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
        if (header is not null)
        {
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", header);
        }

        AwsErrors.Read(new AwsResponse(HttpStatusCode.BadRequest, response.Headers, Encoding.UTF8.GetBytes(body))).Should().Be((code, message));
    }

    [Fact]
    public async Task A_2xx_answer_is_returned_as_it_is()
    {
        _handler.Then(HttpStatusCode.OK, """{"ok":true}""", ("x-amzn-RequestId", "r-1"));

        AwsResponse response = await Post();

        response.IsSuccess.Should().BeTrue();
        Encoding.UTF8.GetString(response.Body).Should().Be("""{"ok":true}""");
        response.Header("x-amzn-RequestId").Should().Be("r-1");
    }

    [Fact]
    public async Task An_error_answer_is_a_classified_exception_that_names_the_operation_code_status_and_message()
    {
        _handler.ThenError("ThrottlingException", "Rate exceeded").ThenError("AccessDeniedException", "not allowed", HttpStatusCode.Forbidden);

        AwsStandInException throttled = (await FluentActions.Awaiting(Post).Should().ThrowAsync<AwsStandInException>()).Which;
        AwsStandInException denied = (await FluentActions.Awaiting(Post).Should().ThrowAsync<AwsStandInException>()).Which;

        (throttled.Kind, throttled.ErrorCode, throttled.StatusCode, throttled.Detail).Should().Be((AwsErrorKind.Transient, "ThrottlingException", 400, "Rate exceeded"));
        throttled.Message.Should().Be("Operation failed: ThrottlingException (HTTP 400): Rate exceeded");
        (denied.Kind, denied.ErrorCode, denied.StatusCode).Should().Be((AwsErrorKind.Permanent, "AccessDeniedException", 403));
    }

    [Fact]
    public async Task Network_errors_and_timeouts_are_transient_without_a_status()
    {
        _handler.ThenThrow(new HttpRequestException("Connection reset by peer")).ThenHang();

        AwsStandInException network = (await FluentActions.Awaiting(Post).Should().ThrowAsync<AwsStandInException>()).Which;
        AwsStandInException timeout = (await FluentActions.Awaiting(() => Post(TimeSpan.FromMilliseconds(50))).Should().ThrowAsync<AwsStandInException>()).Which;

        (network.Kind, network.StatusCode).Should().Be((AwsErrorKind.Transient, (int?)null));
        network.InnerException.Should().BeOfType<HttpRequestException>();
        network.Detail.Should().Be("network error: Connection reset by peer");
        (timeout.Kind, timeout.StatusCode, timeout.Detail).Should().Be((AwsErrorKind.Transient, (int?)null, "no response within 0.05 s"));
    }

    [Fact]
    public async Task The_callers_cancellation_is_thrown_as_it_is_not_classified()
    {
        _handler.ThenHang();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await FluentActions.Awaiting(() => Post(TimeSpan.FromSeconds(30), cancel.Token)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Credentials_that_cannot_be_resolved_are_permanent_and_nothing_is_sent()
    {
        AwsStandInTransport transport = Transport(() => throw new AmazonClientException("Failed to resolve AWS credentials."));

        AwsStandInException error = (await FluentActions.Awaiting(() => transport.PostAsync("Operation", "/", NoPathResources, Headers, [], TimeSpan.FromSeconds(1), CancellationToken.None))
            .Should().ThrowAsync<AwsStandInException>()).Which;

        (error.Kind, error.Detail).Should().Be((AwsErrorKind.Permanent, "could not resolve AWS credentials"));
        error.InnerException.Should().BeOfType<AmazonClientException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_2xx_body_that_is_not_the_expected_json_is_permanent_and_its_text_is_not_quoted()
    {
        _handler.Then(HttpStatusCode.OK, """{"SecretString":"s3cr3t" oops""");
        var secretsManager = new AmazonSecretsManagerClientStandIn(Transport(() => new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "secret")));

        AwsStandInException error = (await FluentActions.Awaiting(() => secretsManager.GetSecretValueAsync(new GetSecretValueRequest { SecretId = "partner" }))
            .Should().ThrowAsync<AwsStandInException>()).Which;

        error.Kind.Should().Be(AwsErrorKind.Permanent);
        error.Message.Should().Be("GetSecretValue failed: no error code (HTTP 200): the response is not GetSecretValue JSON (JsonException)");
        error.InnerException.Should().BeNull("the parser's message could quote the secret");
    }

    private Task<AwsResponse> Post() => Post(TimeSpan.FromSeconds(10));

    private Task<AwsResponse> Post(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Transport(() => new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "secret")).PostAsync("Operation", "/", NoPathResources, Headers, "{}"u8.ToArray(), timeout, cancellationToken);

    private AwsStandInTransport Transport(Func<AWSCredentials> credentials) =>
        new(new HttpClient(_handler, disposeHandler: false), credentials, "service", "eu-west-1", AwsEndpoints.Resolve("service", "eu-west-1"), new FixedClock(FixedClock.DefaultNow));
}
