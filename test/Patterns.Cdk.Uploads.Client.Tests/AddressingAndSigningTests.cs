using System.Net;
using Patterns.Cdk.Uploads.Client.Tests.Fakes;

namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class AddressingAndSigningTests : IDisposable
{
    private readonly UploadFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private FakeUploadService Fake => _fixture.Fake;

    [Fact]
    public async Task Private_DNS_calls_are_signed_for_execute_api_on_the_API_host_without_the_api_id_header()
    {
        Fake.SingleMaxBytes = 1000;
        Fake.PartSizeFor = _ => 1000;
        string path = _fixture.File(2500);
        using UploadClient client = _fixture.Client(url: FakeUploadService.PrivateDnsUrl);

        await client.UploadAsync(path);

        Fake.SignatureProblems.Should().BeEmpty();
        ReceivedRequest[] calls = [.. Fake.ApiRequests];
        calls.Select(c => c.Path).Should().Contain("/v1/uploads").And.OnlyContain(p => p.StartsWith("/v1/uploads", StringComparison.Ordinal));
        calls.Should().OnlyContain(c => c.Host == FakeUploadService.PrivateDnsUrl.Host && !c.Headers.ContainsKey("x-apigw-api-id"));
        calls.Should().OnlyContain(c => c.Headers["authorization"].Contains("/eu-west-1/execute-api/aws4_request", StringComparison.Ordinal)
            && c.Headers["authorization"].Contains("SignedHeaders=", StringComparison.Ordinal)
            && c.Headers.ContainsKey("x-amz-date") && c.Headers.ContainsKey("x-amz-content-sha256"));
        calls.Should().HaveCountGreaterThanOrEqualTo(3, "create, part URLs, complete");
    }

    [Fact]
    public async Task Endpoint_DNS_calls_carry_the_api_id_header_signed_with_the_endpoint_host()
    {
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client(url: FakeUploadService.VpceUrl, apiId: FakeUploadService.ApiId);

        await client.UploadAsync(path);

        Fake.SignatureProblems.Should().BeEmpty();
        ReceivedRequest[] calls = [.. Fake.ApiRequests];
        calls.Should().HaveCount(2);
        calls.Should().OnlyContain(c => c.Host == FakeUploadService.VpceUrl.Host
            && c.Headers["x-apigw-api-id"] == FakeUploadService.ApiId
            && c.Headers["authorization"].Contains("x-apigw-api-id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Endpoint_DNS_without_the_api_id_reaches_no_API()
    {
        string path = _fixture.File(10);
        using UploadClient client = _fixture.Client(url: FakeUploadService.VpceUrl);

        Func<Task> upload = () => client.UploadAsync(path);

        UploadApiException error = (await upload.Should().ThrowAsync<UploadApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Code.Should().Be("HttpError");
        error.Message.Should().Contain("Forbidden");
    }

    [Fact]
    public async Task Session_credentials_send_and_sign_the_security_token()
    {
        var options = new UploadClientOptions
        {
            ApiUrl = FakeUploadService.PrivateDnsUrl,
            Region = FakeUploadService.Region,
            Credentials = new Amazon.Runtime.SessionAWSCredentials(FakeUploadService.Alice.AccessKey, FakeUploadService.Alice.SecretKey, "session-token-value"),
        };
        using var http = new HttpClient(Fake, disposeHandler: false);
        using var client = new UploadClient(options, http, http);

        await client.AbortAsync(Fake.StartSession(FakeUploadService.Alice, 100).Id);

        Fake.SignatureProblems.Should().BeEmpty();
        ReceivedRequest call = Fake.ApiRequests.Single();
        call.Headers["x-amz-security-token"].Should().Be("session-token-value");
        call.Headers["authorization"].Should().Contain("x-amz-security-token");
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_verifier()
    {
        var options = new UploadClientOptions
        {
            ApiUrl = FakeUploadService.PrivateDnsUrl,
            Region = FakeUploadService.Region,
            Credentials = new Amazon.Runtime.BasicAWSCredentials(FakeUploadService.Alice.AccessKey, "not-alices-secret"),
            MaxAttemptsPerPart = 1,
        };
        using var http = new HttpClient(Fake, disposeHandler: false);
        using var client = new UploadClient(options, http, http);

        Func<Task> abort = () => client.AbortAsync(new string('a', 32));

        (await abort.Should().ThrowAsync<UploadApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        Fake.SignatureProblems.Should().ContainSingle().Which.Should().Be("signature does not match");
    }

    [Fact]
    public async Task Storage_requests_are_not_signed_again()
    {
        Fake.SingleMaxBytes = 1000;
        Fake.PartSizeFor = _ => 1000;
        string path = _fixture.File(3000);
        using UploadClient client = _fixture.Client();

        UploadResult result = await client.UploadAsync(path);

        // The fake answers 400 "Only one auth mechanism allowed" to a part PUT with an Authorization header, as S3 does.
        Fake.Sessions[result.UploadId].State.Should().Be("completed");
    }
}
