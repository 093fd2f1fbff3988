using System.Net;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>MwaaDagRuns: the Airflow calls it makes, the idempotent trigger, the error names it reports, bad input.</summary>
public sealed class MwaaDagRunsTests : IDisposable
{
    private const string Trigger = """{"action":"trigger","dagId":"pcdk_export","runId":"pcdk-20261205T200000Z","conf":{"bucket":"b","kmsKeyArn":"k","password":"hunter2"}}""";
    private const string Status = """{"action":"status","dagId":"pcdk_export","runId":"pcdk-20261205T200000Z"}""";

    private readonly RecordingHandler _handler = new();
    private readonly TestLog _log = new();

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task Trigger_unpauses_the_dag_then_creates_the_run_with_its_conf()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{"dag_id":"pcdk_export","is_paused":false}}""")
            .Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{"dag_run_id":"pcdk-20261205T200000Z","state":"queued"}}""");

        JsonElement output = await InvokeAsync(Trigger);

        output.GetProperty("dagId").GetString().Should().Be("pcdk_export");
        output.GetProperty("runId").GetString().Should().Be("pcdk-20261205T200000Z");
        output.GetProperty("state").GetString().Should().Be("queued");
        _handler.Requests.Should().HaveCount(2);
        using JsonDocument patch = JsonDocument.Parse(_handler.Requests[0].Body);
        patch.RootElement.GetProperty("Method").GetString().Should().Be("PATCH");
        patch.RootElement.GetProperty("Path").GetString().Should().Be("/dags/pcdk_export");
        patch.RootElement.GetProperty("Body").GetRawText().Should().Be("""{"is_paused":false}""");
        using JsonDocument post = JsonDocument.Parse(_handler.Requests[1].Body);
        post.RootElement.GetProperty("Method").GetString().Should().Be("POST");
        post.RootElement.GetProperty("Path").GetString().Should().Be("/dags/pcdk_export/dagRuns");
        post.RootElement.GetProperty("Body").GetProperty("dag_run_id").GetString().Should().Be("pcdk-20261205T200000Z");
        post.RootElement.GetProperty("Body").GetProperty("conf").GetProperty("bucket").GetString().Should().Be("b");
        _handler.Requests.Should().OnlyContain(r => r.Uri.AbsolutePath == "/restapi/" + MwaaSamples.Environment);
        _log.Text.Should().NotContain("hunter2").And.NotContain("kmsKeyArn", "the conf is never logged");
    }

    [Fact]
    public async Task Trigger_without_conf_sends_an_empty_conf()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{}}""")
            .Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{"state":"queued"}}""");

        await InvokeAsync("""{"action":"trigger","dagId":"pcdk_import","runId":"pcdk-i-20261205T200000Z"}""");

        using JsonDocument post = JsonDocument.Parse(_handler.Requests[1].Body);
        post.RootElement.GetProperty("Body").GetProperty("conf").GetRawText().Should().Be("{}");
    }

    [Fact]
    public async Task A_retried_trigger_whose_run_exists_reads_the_run_instead_of_failing()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{}}""")
            .Then(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":409,"RestApiResponse":{"title":"Conflict"}}""")
            .Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":{"state":"running"}}""");

        JsonElement output = await InvokeAsync(Trigger);

        output.GetProperty("state").GetString().Should().Be("running");
        using JsonDocument get = JsonDocument.Parse(_handler.Requests[2].Body);
        get.RootElement.GetProperty("Method").GetString().Should().Be("GET");
        get.RootElement.GetProperty("Path").GetString().Should().Be("/dags/pcdk_export/dagRuns/pcdk-20261205T200000Z");
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("running")]
    [InlineData("success")]
    [InlineData("failed")]
    public async Task Status_reads_the_run_state(string state)
    {
        _handler.Then(HttpStatusCode.OK, $$$"""{"RestApiStatusCode":200,"RestApiResponse":{"dag_run_id":"pcdk-20261205T200000Z","state":"{{{state}}}"}}""");

        JsonElement output = await InvokeAsync(Status);

        output.GetProperty("state").GetString().Should().Be(state);
        _handler.Requests.Should().ContainSingle();
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":404,"RestApiResponse":{"title":"DAG not found"}}""", "DagNotFound")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":401}""", "AirflowAccessDenied")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":403}""", "AirflowAccessDenied")]
    [InlineData(HttpStatusCode.Forbidden, """{"__type":"AccessDeniedException","Message":"not authorized"}""", "AirflowAccessDenied")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiServerException","RestApiStatusCode":500}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiServerException","RestApiStatusCode":503}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":429}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.InternalServerError, """{"__type":"InternalServerException","Message":"oops"}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.TooManyRequests, """{"__type":"ThrottlingException","Message":"slow down"}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.NotFound, """{"__type":"ResourceNotFoundException","Message":"no environment"}""", "AirflowUnavailable")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"ValidationException","Message":"Update your environment to use InvokeRestApi."}""", "RestApiNotSupported")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":400,"RestApiResponse":{"title":"Bad Request"}}""", "BadInput")]
    [InlineData(HttpStatusCode.BadRequest, """{"__type":"ValidationException","Message":"1 validation error"}""", "BadInput")]
    public async Task Each_failure_is_reported_under_its_contract_name(HttpStatusCode status, string answer, string errorType)
    {
        _handler.Then(status, answer);

        Exception error = await FailAsync(Status);

        ErrorReport.From(error).ErrorType.Should().Be(errorType);
        error.Message.Should().Contain("GET /dags/pcdk_export/dagRuns/pcdk-20261205T200000Z on environment " + MwaaSamples.Environment);
    }

    [Fact]
    public async Task A_404_while_unpausing_is_DagNotFound()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"RestApiClientException","RestApiStatusCode":404}""");

        Exception error = await FailAsync(Trigger);

        error.Should().BeOfType<DagNotFound>().Which.Message.Should().Contain("PATCH /dags/pcdk_export");
        _handler.Requests.Should().ContainSingle("no run is created for a DAG Airflow does not know");
    }

    [Fact]
    public async Task A_network_timeout_is_AirflowUnavailable()
    {
        _handler.ThenHang();
        var dagRuns = new MwaaDagRuns(MwaaTestClients.Mwaa(_handler, timeout: TimeSpan.FromMilliseconds(100)), new DagRunsSettings(MwaaSamples.Environment, null), _log.Log);

        Func<Task> call = () => dagRuns.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(Status)));

        await call.Should().ThrowAsync<AirflowUnavailable>();
    }

    [Fact]
    public async Task An_answer_without_a_state_is_AirflowUnavailable()
    {
        _handler.Then(HttpStatusCode.OK, """{"RestApiStatusCode":200,"RestApiResponse":"odd"}""");

        (await FailAsync(Status)).Should().BeOfType<AirflowUnavailable>();
    }

    [Theory]
    [InlineData("not json", "*not valid*")]
    [InlineData("""{"dagId":"d","runId":"r"}""", "*action is required*")]
    [InlineData("""{"action":"delete","dagId":"d","runId":"r"}""", "*action must be trigger or status*")]
    [InlineData("""{"action":"status","runId":"r"}""", "*dagId is required*")]
    [InlineData("""{"action":"status","dagId":"d"}""", "*runId is required*")]
    [InlineData("""{"action":"status","dagId":"d/../x","runId":"r"}""", "*dagId must be*")]
    [InlineData("""{"action":"status","dagId":"d","runId":"a b"}""", "*runId must be*")]
    [InlineData("""{"action":"trigger","dagId":"d","runId":"r","conf":[1]}""", "*conf must be a JSON object*")]
    [InlineData("""{"action":"status","dagId":"d","runId":"r","conf":{}}""", "*conf is only for trigger*")]
    [InlineData("""{"action":"status","dagId":"a_dag_with_a_rather_long_identifier","runId":"and_a_long_run_identifier_too"}""", "*at most 64*")]
    public async Task Bad_input_is_BadInput_and_calls_nothing(string payload, string message)
    {
        Exception error = await FailAsync(payload);

        error.Should().BeOfType<BadInput>().Which.Message.Should().Match(message);
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_trigger_whose_status_path_would_be_too_long_is_refused_before_triggering()
    {
        (await FailAsync("""{"action":"trigger","dagId":"a_dag_with_a_rather_long_identifier","runId":"and_a_long_run_identifier_too"}"""))
            .Should().BeOfType<BadInput>();
        _handler.Requests.Should().BeEmpty("a run whose state can never be read is never started");
    }

    [Fact]
    public void Settings_require_a_valid_environment_name_and_an_http_endpoint_override()
    {
        DagRunsSettings.FromEnvironment(Env(("ENVIRONMENT_NAME", "my-env"))).Should().Be(new DagRunsSettings("my-env", null));
        DagRunsSettings.FromEnvironment(Env(("ENVIRONMENT_NAME", "my-env"), ("MWAA_ENDPOINT", "http://127.0.0.1:1/"))).EndpointOverride.Should().Be("http://127.0.0.1:1/");
        FluentActions.Invoking(() => DagRunsSettings.FromEnvironment(Env())).Should().Throw<InvalidOperationException>().WithMessage("*ENVIRONMENT_NAME is required*");
        FluentActions.Invoking(() => DagRunsSettings.FromEnvironment(Env(("ENVIRONMENT_NAME", "1env"), ("MWAA_ENDPOINT", "ftp://x"))))
            .Should().Throw<InvalidOperationException>().WithMessage("*ENVIRONMENT_NAME must be an MWAA environment name*MWAA_ENDPOINT must be an absolute http(s) URL*");
    }

    internal static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private async Task<JsonElement> InvokeAsync(string payload)
    {
        Stream output = await Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private async Task<Exception> FailAsync(string payload)
    {
        Func<Task> call = () => Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return (await call.Should().ThrowAsync<Exception>()).Which;
    }

    private MwaaDagRuns Handler() => new(MwaaTestClients.Mwaa(_handler), new DagRunsSettings(MwaaSamples.Environment, null), _log.Log);
}
