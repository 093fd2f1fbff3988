using System.Net;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>
/// The MWAA stand-in's wire format: restJson1 <c>POST /restapi/{Name}</c> on <c>env.airflow.{region}</c>, signed for
/// <c>airflow</c>, <c>{"Method","Path","Body"}</c> in, <c>{"RestApiStatusCode","RestApiResponse"}</c> out, and
/// RestApiClientException/RestApiServerException read from their modelled body.
/// </summary>
public sealed class AmazonMWAAClientStandInTests : IDisposable
{
    private readonly RecordingHandler _handler = new();

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task InvokeRestApi_posts_method_path_and_body_to_the_env_host_signed_for_airflow()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{"dag_run_id":"r1","state":"queued"}}""");
        using JsonDocument body = JsonDocument.Parse("""{"dag_run_id":"r1","conf":{}}""");

        InvokeRestApiResponse response = await MwaaTestClients.Mwaa(_handler).InvokeRestApiAsync(new InvokeRestApiRequest
        {
            Name = "my-env", Method = "POST", Path = "/dags/pcdk_export/dagRuns", Body = body.RootElement,
        });

        response.RestApiStatusCode.Should().Be(200);
        response.RestApiResponse!.Value.GetProperty("state").GetString().Should().Be("queued");
        SentRequest sent = _handler.Requests.Should().ContainSingle().Subject;
        sent.Method.Should().Be(HttpMethod.Post);
        sent.Uri.Should().Be(new Uri("https://env.airflow.eu-west-1.amazonaws.com/restapi/my-env"));
        sent.Headers["Authorization"].Should().Contain("/eu-west-1/airflow/aws4_request");
        sent.Headers["Content-Type"].Should().StartWith("application/json");
        using JsonDocument wire = JsonDocument.Parse(sent.Body);
        wire.RootElement.GetProperty("Method").GetString().Should().Be("POST");
        wire.RootElement.GetProperty("Path").GetString().Should().Be("/dags/pcdk_export/dagRuns");
        wire.RootElement.GetProperty("Body").GetProperty("dag_run_id").GetString().Should().Be("r1");
        wire.RootElement.TryGetProperty("Name", out _).Should().BeFalse("the name travels in the URL");
        wire.RootElement.TryGetProperty("QueryParameters", out _).Should().BeFalse("absent members are not sent");
    }

    [Fact]
    public async Task The_environment_name_is_encoded_in_the_path()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{}}""");

        await MwaaTestClients.Mwaa(_handler, new Uri("http://127.0.0.1:9999/")).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "env_1-A", Method = "GET", Path = "/dags" });

        _handler.Requests.Single().Uri.Should().Be(new Uri("http://127.0.0.1:9999/restapi/env_1-A"), "MWAA_ENDPOINT replaces scheme, host and port");
    }

    [Theory]
    [InlineData("RestApiClientException", 404, "DAG not found")]
    [InlineData("RestApiServerException", 503, "Service Unavailable")]
    public async Task Airflow_errors_keep_the_airflow_status_and_title_but_not_the_response(string code, int airflowStatus, string title)
    {
        _handler.Then(
            HttpStatusCode.BadRequest,
            $$$"""{"message":"call failed","RestApiStatusCode":{{{airflowStatus}}},"RestApiResponse":{"title":"{{{title}}}","detail":"secret-detail","status":{{{airflowStatus}}}}}""",
            ("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazonaws.airflow/"));

        Func<Task> call = () => MwaaTestClients.Mwaa(_handler).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "e", Method = "GET", Path = "/dags/d" });

        MwaaRestApiException error = (await call.Should().ThrowAsync<MwaaRestApiException>()).Which;
        error.ErrorCode.Should().Be(code);
        error.RestApiStatusCode.Should().Be(airflowStatus);
        error.Title.Should().Be(title);
        error.HttpStatus.Should().Be(400);
        error.Message.Should().NotContain("secret-detail");
    }

    [Fact]
    public async Task An_airflow_error_from_the_body_type_alone_is_recognised()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":409}""");

        Func<Task> call = () => MwaaTestClients.Mwaa(_handler).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "e", Method = "POST", Path = "/dags/d/dagRuns" });

        (await call.Should().ThrowAsync<MwaaRestApiException>()).Which.RestApiStatusCode.Should().Be(409);
    }

    [Theory]
    [InlineData("AccessDeniedException", HttpStatusCode.Forbidden, false)]
    [InlineData("ResourceNotFoundException", HttpStatusCode.NotFound, false)]
    [InlineData("ValidationException", HttpStatusCode.BadRequest, false)]
    [InlineData("InternalServerException", HttpStatusCode.InternalServerError, true)]
    [InlineData("ThrottlingException", HttpStatusCode.TooManyRequests, true)]
    public async Task Other_mwaa_errors_are_classified_stand_in_exceptions(string code, HttpStatusCode status, bool transient)
    {
        _handler.ThenError(code, "m", status);

        Func<Task> call = () => MwaaTestClients.Mwaa(_handler).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "e", Method = "GET", Path = "/dags" });

        AwsStandInException error = (await call.Should().ThrowAsync<AwsStandInException>()).Which;
        error.ErrorCode.Should().Be(code);
        error.Operation.Should().Be("InvokeRestApi");
        error.IsTransient.Should().Be(transient);
    }

    [Fact]
    public async Task A_path_over_64_characters_is_refused_before_sending()
    {
        Func<Task> call = () => MwaaTestClients.Mwaa(_handler).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "e", Method = "GET", Path = "/" + new string('a', 64) });

        await call.Should().ThrowAsync<ArgumentException>().WithMessage("*64*");
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_timeout_is_a_transient_stand_in_exception()
    {
        _handler.ThenHang();

        Func<Task> call = () => MwaaTestClients.Mwaa(_handler, timeout: TimeSpan.FromMilliseconds(100)).InvokeRestApiAsync(new InvokeRestApiRequest { Name = "e", Method = "GET", Path = "/dags" });

        (await call.Should().ThrowAsync<AwsStandInException>()).Which.IsTransient.Should().BeTrue();
    }

    [Fact]
    public void A_malformed_error_body_keeps_the_code_without_status()
    {
        MwaaRestApiException error = MwaaRestApiException.From(MwaaRestApiException.ServerErrorCode, 400, Encoding.UTF8.GetBytes("<html>"), null);

        error.RestApiStatusCode.Should().BeNull();
        error.Title.Should().BeNull();
    }
}
