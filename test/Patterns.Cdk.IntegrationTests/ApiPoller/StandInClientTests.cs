using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Secrets;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.IntegrationTests.FaceBlur;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>The Secrets Manager and Lambda Invoke stand-ins against a local endpoint that verifies their SigV4 signatures.</summary>
public sealed class StandInClientTests : IDisposable
{
    private const string SecretArn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:partner-AbCdEf";
    private const string FunctionArn = "arn:aws:lambda:us-east-1:111122223333:function:processor";

    private readonly HttpClient _http = new();
    private readonly FakeAwsService _secretsManager = new("secretsmanager");
    private readonly FakeAwsService _lambda = new("lambda");

    private static readonly PagePointer Pointer = new()
    {
        JobId = new string('a', 32), Source = "orders", Page = 7, Bucket = "payloads", Key = "jobs/" + new string('a', 32) + "/pages/000000007.json", Bytes = 1234,
    };

    public void Dispose()
    {
        _secretsManager.Dispose();
        _lambda.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task GetSecretValue_is_a_signed_json_1_1_request_and_returns_the_secret_string()
    {
        _secretsManager.Then(200, """{"ARN":"x","Name":"partner","SecretString":"Bearer abc"}""");

        string value = await SecretsClient().GetSecretStringAsync(SecretArn, CancellationToken.None);

        value.Should().Be("Bearer abc");
        (ReceivedRequest request, IReadOnlyList<string> problems) = _secretsManager.Requests.Single();
        problems.Should().BeEmpty();
        request.Method.Should().Be("POST");
        request.Path.Should().Be("/");
        request.Header("X-Amz-Target").Should().Be("secretsmanager.GetSecretValue");
        request.Header("Content-Type").Should().Be("application/x-amz-json-1.1");
        JsonDocument.Parse(request.Body).RootElement.GetProperty("SecretId").GetString().Should().Be(SecretArn);
    }

    [Fact]
    public async Task A_missing_secret_fails_with_its_error_code_and_service_errors_are_retried()
    {
        _secretsManager.Then(500, """{"__type":"InternalServiceError"}""").Then(400, """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}""");

        Func<Task> read = () => SecretsClient().GetSecretStringAsync(SecretArn, CancellationToken.None);

        (await read.Should().ThrowAsync<SecretUnavailableException>()).Which.Message.Should().Contain("ResourceNotFoundException");
        _secretsManager.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task The_secret_is_read_once_per_five_minutes()
    {
        _secretsManager.Then(200, """{"SecretString":"one"}""").Then(200, """{"SecretString":"two"}""");
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var cache = new CachedSecretReader(SecretsClient(), clock);

        string first = await cache.GetSecretStringAsync(SecretArn, CancellationToken.None);
        clock.Now += TimeSpan.FromMinutes(4);
        string cached = await cache.GetSecretStringAsync(SecretArn, CancellationToken.None);
        clock.Now += TimeSpan.FromMinutes(1.5);
        string refreshed = await cache.GetSecretStringAsync(SecretArn, CancellationToken.None);

        (first, cached, refreshed).Should().Be(("one", "one", "two"));
        _secretsManager.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Invoke_posts_the_pointer_synchronously_to_the_function_path_signed_for_lambda()
    {
        _lambda.Then(200, """{"ok":true}""");

        await Invoker().ProcessAsync(Pointer, CancellationToken.None);

        (ReceivedRequest request, IReadOnlyList<string> problems) = _lambda.Requests.Single();
        problems.Should().BeEmpty("the canonical path is double-encoded for Lambda, as SigV4 requires");
        request.Path.Should().Be("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111122223333%3Afunction%3Aprocessor/invocations");
        request.Header("X-Amz-Invocation-Type").Should().Be("RequestResponse");
        using JsonDocument payload = JsonDocument.Parse(request.Body);
        payload.RootElement.GetProperty("page").GetInt32().Should().Be(7);
        payload.RootElement.GetProperty("key").GetString().Should().Be(Pointer.Key);
    }

    [Fact]
    public async Task A_function_error_or_a_service_error_fails_the_page()
    {
        _lambda.Then(200, """{"errorType":"Exception","errorMessage":"boom"}""", ("X-Amz-Function-Error", "Unhandled"))
            .Then(429, """{"__type":"TooManyRequestsException"}""", ("x-amzn-ErrorType", "TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.lambda/"));

        Func<Task> functionError = () => Invoker().ProcessAsync(Pointer, CancellationToken.None);
        Func<Task> throttled = () => Invoker().ProcessAsync(Pointer, CancellationToken.None);

        (await functionError.Should().ThrowAsync<ProcessorFailedException>()).Which.Message.Should().Contain("Unhandled").And.NotContain("boom");
        (await throttled.Should().ThrowAsync<ProcessorFailedException>()).Which.Message.Should().Contain("TooManyRequestsException (HTTP 429)");
    }

    private static SessionAWSCredentials Credentials() => new SessionAWSCredentials(FakeAwsService.AccessKey, FakeAwsService.SecretKey, FakeAwsService.SessionToken);

    private SecretsManagerSecretReader SecretsClient() =>
        new(new AmazonSecretsManagerClientStandIn(new AwsStandInTransport(_http, Credentials, "secretsmanager", "us-east-1", _secretsManager.Endpoint, TimeProvider.System)), (_, _) => Task.CompletedTask);

    private LambdaPageProcessor Invoker() =>
        new(new AmazonLambdaClientStandIn(new AwsStandInTransport(_http, Credentials, "lambda", "us-east-1", _lambda.Endpoint, TimeProvider.System), TimeSpan.FromSeconds(10)), FunctionArn);

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
