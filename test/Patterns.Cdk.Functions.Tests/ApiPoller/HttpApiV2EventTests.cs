using System.Text.Json;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class HttpApiV2EventTests
{
    // The IAM-authorized payload format 2.0 example of the API Gateway developer guide, shortened.
    private const string SampleEvent = """
        {
          "version": "2.0",
          "routeKey": "GET /jobs/{id}",
          "rawPath": "/jobs/0123456789abcdef0123456789abcdef",
          "rawQueryString": "limit=5",
          "cookies": ["c1=v1"],
          "headers": {"content-type": "application/json", "idempotency-key": "k-1"},
          "queryStringParameters": {"limit": "5"},
          "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "authorizer": {
              "iam": {
                "accessKey": "ASIA0000",
                "accountId": "123456789012",
                "callerId": "AIDA0000",
                "cognitoIdentity": null,
                "principalOrgId": "o-abc",
                "userArn": "arn:aws:iam::123456789012:user/alice",
                "userId": "AIDA0000"
              }
            },
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "id",
            "http": {"method": "GET", "path": "/jobs/0123456789abcdef0123456789abcdef", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "agent"},
            "requestId": "id",
            "routeKey": "GET /jobs/{id}",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1583348638390
          },
          "pathParameters": {"id": "0123456789abcdef0123456789abcdef"},
          "body": null,
          "isBase64Encoded": false,
          "stageVariables": null
        }
        """;

    [Fact]
    public void Reads_the_documented_event()
    {
        HttpApiV2Request request = LambdaJson.Parse(SampleEvent, LambdaEventsJsonContext.Default.HttpApiV2Request);

        request.RouteKey.Should().Be("GET /jobs/{id}");
        request.RequestContext.Http.Method.Should().Be("GET");
        request.RequestContext.Http.SourceIp.Should().Be("192.0.2.1");
        request.RequestContext.Authorizer!.Iam!.UserArn.Should().Be("arn:aws:iam::123456789012:user/alice");
        request.RequestContext.Authorizer.Iam.PrincipalOrgId.Should().Be("o-abc");
        request.RequestContext.TimeEpoch.Should().Be(1583348638390);
        request.PathParameters!["id"].Should().Be("0123456789abcdef0123456789abcdef");
        request.Header("Idempotency-Key").Should().Be("k-1");
        request.Header("Content-Type").Should().Be("application/json");
        request.Header("x-absent").Should().BeNull();
    }

    [Fact]
    public void An_event_without_request_context_is_bad_input() =>
        FluentActions.Invoking(() => LambdaJson.Parse("""{"rawPath": "/jobs"}""", LambdaEventsJsonContext.Default.HttpApiV2Request))
            .Should().Throw<BadInputException>();

    [Fact]
    public void Writes_the_response_members_api_gateway_reads()
    {
        var response = new HttpApiV2Response { StatusCode = 202, Headers = new Dictionary<string, string> { ["content-type"] = "application/json" }, Body = "{}" };

        JsonElement json = JsonDocument.Parse(JsonSerializer.Serialize(response, LambdaEventsJsonContext.Default.HttpApiV2Response)).RootElement;

        json.GetProperty("statusCode").GetInt32().Should().Be(202);
        json.GetProperty("headers").GetProperty("content-type").GetString().Should().Be("application/json");
        json.GetProperty("body").GetString().Should().Be("{}");
        json.GetProperty("isBase64Encoded").GetBoolean().Should().BeFalse();
    }
}
