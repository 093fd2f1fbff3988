using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;
using static Patterns.Cdk.Functions.Tests.EventDrivenSettlement.SettlementSamples;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class SettlementApiTests
{
    private const string RequestId = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";

    private readonly FakeSettlementTable _table = new();
    private readonly TestLog _log = new();

    [Fact]
    public async Task POST_settles_a_new_claim_201_with_the_settlement_as_its_event_will_carry_it()
    {
        Response response = await Send(Post(Detail()));

        response.Status.Should().Be(201);
        response.Headers["Content-Type"].Should().Be("application/json");
        response.Headers["Location"].Should().Be("/settlements/CLM-1");
        SettlementContracts.SettlementFinalized.Validate(Encoding.UTF8.GetBytes(response.Body)).Should().BeEmpty("the body has exactly the members of the Settlement.Finalized detail");
        response.Json.GetProperty("settlementId").GetString().Should().Be(SettlementIds.For("CLM-1"));
        response.Json.GetProperty("payoutAmount").GetString().Should().Be("984.50");
        response.Json.GetProperty("correlationId").GetString().Should().Be(RequestId, "without X-Correlation-Id, API Gateway's request id");
        string eventDetail = OutboxTemplateTests.Render(OutboxTemplateTests.InputTemplate, OutboxTemplateTests.StreamRecord(_table.Items["CLM-1"]));
        response.Body.Should().Be(eventDetail, "the REST answer and the outbox event are the same document");
    }

    [Fact]
    public async Task An_identical_retry_is_200_with_the_stored_settlement()
    {
        Response first = await Send(Post(Detail(), correlationId: "first-call"));

        Response retry = await Send(Post(Detail(), correlationId: "second-call"));

        retry.Status.Should().Be(200);
        retry.Body.Should().Be(first.Body, "the stored settlement, with the first call's correlation id");
        _table.Items.Should().ContainSingle();
    }

    [Fact]
    public async Task Different_content_for_a_settled_claim_is_409()
    {
        await Send(Post(Detail(cost: "100")));

        Response response = await Send(Post(Detail(cost: "200")));

        response.Status.Should().Be(409);
        response.Json.GetProperty("claimId").GetString().Should().Be("CLM-1");
        response.Json.GetProperty("settlementId").GetString().Should().Be(SettlementIds.For("CLM-1"));
        response.Json.GetProperty("message").GetString().Should().Contain("already settled from different content");
        Patterns.Cdk.Functions.EventDrivenSettlement.Store.SettlementItem.FromItem(_table.Items["CLM-1"]).EstimatedCost.Should().Be("100.00");
        _log.At("WARN").Should().ContainSingle().Which.GetProperty("status").GetInt64().Should().Be(409);
    }

    [Fact]
    public async Task A_body_that_breaks_the_contract_is_400_with_every_error()
    {
        Response response = await Send(Post("""{"claimId":"CLM 1","documentType":"CAR","fraudType":"CLAIMS","damage":{"level":"BAD","estimatedCost":"1","x":1}}"""));

        response.Status.Should().Be(400);
        response.Json.GetProperty("message").GetString().Should().Be("the request body breaks the Fraud.Not.Detected contract");
        response.Json.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).Should().Equal(
            "/claimId: must match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]*$",
            "/damage/level: must be one of MINOR, MODERATE, SEVERE, TOTAL_LOSS",
            "/damage/estimatedCost: must be a number",
            "/damage/x: is not allowed (accepted: level, part, estimatedCost)",
            "/customerId: is required");
        _table.Puts.Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, false, "(document): a JSON body is required (the Fraud.Not.Detected claim)")]
    [InlineData("", false, "(document): a JSON body is required (the Fraud.Not.Detected claim)")]
    [InlineData("{\"claimId\":", false, "(document): is not valid JSON")]
    [InlineData("%%%", true, "(document): the body is marked base64 but is not valid base64")]
    public async Task A_missing_or_malformed_body_is_400(string? body, bool base64, string error)
    {
        Response response = await Send(Post(body, base64: base64));

        response.Status.Should().Be(400);
        response.Json.GetProperty("errors")[0].GetString().Should().StartWith(error);
    }

    [Fact]
    public async Task A_base64_body_is_decoded()
    {
        Response response = await Send(Post(Convert.ToBase64String(Encoding.UTF8.GetBytes(Detail())), base64: true));

        response.Status.Should().Be(201);
    }

    [Fact]
    public async Task A_body_larger_than_an_event_is_400()
    {
        Response response = await Send(Post(Detail(extra: $",\"pad\":\"{new string('x', SettlementApi.MaxBodyBytes)}\"")));

        response.Status.Should().Be(400);
        response.Json.GetProperty("errors")[0].GetString().Should().Be("(document): the body is larger than 256 KiB");
    }

    [Theory]
    [InlineData("text/plain", 400)]
    [InlineData("application/json; charset=utf-8", 201)]
    [InlineData("Application/JSON", 201)]
    public async Task The_content_type_must_be_JSON_when_given(string contentType, int status)
    {
        Response response = await Send(Post(Detail(), contentType: contentType));

        response.Status.Should().Be(status);
    }

    [Fact]
    public async Task The_correlation_header_becomes_the_correlation_id_and_is_checked()
    {
        (await Send(Post(Detail(), correlationId: "order-7/step-2"))).Json.GetProperty("correlationId").GetString().Should().Be("order-7/step-2");

        Response tooLong = await Send(Post(Detail(claimId: "CLM-2"), correlationId: new string('c', 129)));
        tooLong.Status.Should().Be(400);
        tooLong.Json.GetProperty("errors")[0].GetString().Should().Be("X-Correlation-Id: must be 1 to 128 visible ASCII characters, without quotes or backslashes");
        (await Send(Post(Detail(claimId: "CLM-3"), correlationId: "a\"b"))).Status.Should().Be(400, "the Pipe's template inserts the id as it is, so it must need no JSON escaping");
    }

    [Fact]
    public async Task A_claim_without_a_rule_is_422()
    {
        Response response = await Send(Post(Detail(documentType: "HOME", level: "SEVERE")));

        response.Status.Should().Be(422);
        response.Json.GetProperty("claimId").GetString().Should().Be("CLM-1");
        response.Json.GetProperty("documentType").GetString().Should().Be("HOME");
        response.Json.GetProperty("damageLevel").GetString().Should().Be("SEVERE");
        response.Json.GetProperty("message").GetString().Should().StartWith("no deductible rule for documentType HOME and damageLevel SEVERE");
        _table.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task GET_returns_the_settlement_or_404()
    {
        Response created = await Send(Post(Detail()));

        Response found = await Send(Get("CLM-1"));
        found.Status.Should().Be(200);
        found.Body.Should().Be(created.Body);

        Response missing = await Send(Get("CLM-404"));
        missing.Status.Should().Be(404);
        missing.Headers["Content-Type"].Should().Be("application/json");
        missing.Json.GetProperty("message").GetString().Should().Be("no settlement for this claim id");
    }

    [Fact]
    public async Task GET_of_an_id_the_contract_forbids_is_404_without_a_read()
    {
        Response response = await Send(Get("not a claim"));

        response.Status.Should().Be(404);
        _table.Gets.Should().BeEmpty();
    }

    [Theory]
    [InlineData("GET", "/settlements", "/settlements", "POST")]
    [InlineData("PUT", "/settlements", "/settlements", "POST")]
    [InlineData("DELETE", "/settlements/{claimId}", "/settlements/CLM-1", "GET")]
    [InlineData("POST", "/settlements/{claimId}", "/settlements/CLM-1", "GET")]
    public async Task Another_method_is_405_with_Allow(string method, string resource, string path, string allowed)
    {
        Response response = await Send(new RestApiProxyRequest { HttpMethod = method, Resource = resource, Path = path, RequestContext = new() { RequestId = RequestId } });

        response.Status.Should().Be(405);
        response.Headers["Allow"].Should().Be(allowed);
    }

    [Theory]
    [InlineData("/claims")]
    [InlineData("/settlements/CLM-1/history")]
    [InlineData("/")]
    public async Task Another_path_is_404(string path)
    {
        Response response = await Send(new RestApiProxyRequest { HttpMethod = "GET", Resource = "/{proxy+}", Path = path });

        response.Status.Should().Be(404);
        response.Json.GetProperty("message").GetString().Should().Contain("POST /settlements and GET /settlements/{claimId}");
    }

    [Fact]
    public async Task Without_a_resource_template_the_path_is_routed()
    {
        await Send(Post(Detail()));

        Response response = await Send(new RestApiProxyRequest { HttpMethod = "GET", Path = "/settlements/CLM-1/" });

        response.Status.Should().Be(200);
    }

    [Fact]
    public async Task A_DynamoDB_failure_is_500_and_logged_and_a_retry_is_safe()
    {
        _table.FailNextPut(FakeSettlementTable.Throttling);

        Response failed = await Send(Post(Detail()));
        Response retried = await Send(Post(Detail()));

        failed.Status.Should().Be(500);
        failed.Json.GetProperty("message").GetString().Should().Contain("retry");
        _log.At("ERROR").Should().ContainSingle().Which.GetProperty("errorCode").GetString().Should().Be("ProvisionedThroughputExceededException");
        retried.Status.Should().Be(201);
    }

    [Fact]
    public async Task The_Lambda_entry_point_reads_and_writes_the_proxy_payloads()
    {
        var api = new SettlementApi(_table.Client, Settings(), _log.Log, new FixedClock(FixedClock.DefaultNow));
        string request = $$"""
            {
              "resource": "/settlements",
              "path": "/settlements",
              "httpMethod": "POST",
              "headers": { "content-type": "application/json", "X-Correlation-ID": "corr-1" },
              "multiValueHeaders": { "content-type": ["application/json"], "X-Correlation-ID": ["corr-1"] },
              "queryStringParameters": null,
              "multiValueQueryStringParameters": null,
              "pathParameters": null,
              "stageVariables": null,
              "requestContext": {
                "accountId": "123456789012", "resourceId": "abc123", "stage": "prod", "requestId": "{{RequestId}}",
                "requestTime": "14/Mar/2025:15:09:26 +0000", "requestTimeEpoch": 1741964966535, "path": "/prod/settlements",
                "resourcePath": "/settlements", "httpMethod": "POST", "apiId": "1234567890", "protocol": "HTTP/1.1",
                "identity": { "accountId": "123456789012", "caller": "AROAEXAMPLE:session", "userArn": "arn:aws:sts::123456789012:assumed-role/Caller/session", "sourceIp": "10.0.0.1", "userAgent": "aws-sdk", "accessKey": "ASIAEXAMPLE" }
              },
              "body": {{JsonSerializer.Serialize(Detail(), SettlementTestJson.Default.String)}},
              "isBase64Encoded": false
            }
            """;

        Stream output = await api.HandleAsync(Samples.Utf8(request));

        using JsonDocument response = JsonDocument.Parse(Samples.ReadAll(output));
        response.RootElement.GetProperty("statusCode").GetInt32().Should().Be(201);
        response.RootElement.GetProperty("headers").GetProperty("Content-Type").GetString().Should().Be("application/json");
        response.RootElement.GetProperty("isBase64Encoded").GetBoolean().Should().BeFalse();
        using JsonDocument body = JsonDocument.Parse(response.RootElement.GetProperty("body").GetString()!);
        body.RootElement.GetProperty("correlationId").GetString().Should().Be("corr-1", "header names are matched whatever their case");
        JsonElement line = _log.At("INFO").Should().ContainSingle().Subject;
        line.GetProperty("requestId").GetString().Should().Be(RequestId);
        line.GetProperty("status").GetInt64().Should().Be(201);
        line.GetProperty("claimId").GetString().Should().Be("CLM-1");
        line.GetProperty("settlementId").GetString().Should().Be(SettlementIds.For("CLM-1"));
    }

    [Fact]
    public async Task A_payload_that_is_not_a_proxy_event_fails_the_invocation_as_bad_input()
    {
        var api = new SettlementApi(_table.Client, Settings(), _log.Log);

        Func<Task> handle = () => api.HandleAsync(Samples.Utf8("""{"hello":"world"}"""));

        await handle.Should().ThrowAsync<BadInputException>();
    }

    private async Task<Response> Send(RestApiProxyRequest request)
    {
        var api = new SettlementApi(_table.Client, Settings(), _log.Log, new FixedClock(FixedClock.DefaultNow));
        RestApiProxyResponse response = await api.HandleAsync(request);
        return new Response(response.StatusCode, response.Headers!, response.Body!);
    }

    private static RestApiProxyRequest Post(string? body, string? correlationId = null, string? contentType = "application/json", bool base64 = false)
    {
        var headers = new Dictionary<string, string>();
        if (contentType is not null)
        {
            headers["Content-Type"] = contentType;
        }

        if (correlationId is not null)
        {
            headers["X-Correlation-Id"] = correlationId;
        }

        return new RestApiProxyRequest
        {
            HttpMethod = "POST",
            Resource = "/settlements",
            Path = "/settlements",
            Headers = headers,
            Body = body,
            IsBase64Encoded = base64,
            RequestContext = new RestApiProxyRequestContext { RequestId = RequestId, Stage = "prod" },
        };
    }

    private static RestApiProxyRequest Get(string claimId) => new()
    {
        HttpMethod = "GET",
        Resource = "/settlements/{claimId}",
        Path = "/settlements/" + Uri.EscapeDataString(claimId),
        PathParameters = new Dictionary<string, string> { ["claimId"] = claimId },
        RequestContext = new RestApiProxyRequestContext { RequestId = RequestId },
    };

    private sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }
}
