using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

/// <summary>The REST API Lambda proxy models (payload format 1.0) against the event shape AWS documents.</summary>
public class RestApiProxyEventTests
{
    // The API Gateway "aws-proxy" sample event (Lambda console / SAM), trimmed of repeated headers.
    private const string SampleEvent = """
        {
          "body": "{\"claimId\":\"CLM-1\"}",
          "resource": "/settlements/{claimId}",
          "path": "/settlements/CLM%2D1",
          "httpMethod": "GET",
          "isBase64Encoded": false,
          "queryStringParameters": { "foo": "bar" },
          "multiValueQueryStringParameters": { "foo": ["bar"] },
          "pathParameters": { "claimId": "CLM-1" },
          "stageVariables": { "baz": "qux" },
          "headers": {
            "Accept": "text/html,application/xhtml+xml",
            "Content-Type": "application/json",
            "Host": "1234567890.execute-api.us-east-1.amazonaws.com",
            "X-Amz-Cf-Id": "cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA=="
          },
          "multiValueHeaders": {
            "Accept": ["text/html,application/xhtml+xml"],
            "Content-Type": ["application/json"]
          },
          "requestContext": {
            "accountId": "123456789012",
            "resourceId": "123456",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000,
            "identity": {
              "cognitoIdentityPoolId": null,
              "accountId": "123456789012",
              "cognitoIdentityId": null,
              "caller": "AROAEXAMPLE:session",
              "accessKey": "ASIAEXAMPLE",
              "sourceIp": "127.0.0.1",
              "cognitoAuthenticationType": null,
              "cognitoAuthenticationProvider": null,
              "userArn": "arn:aws:sts::123456789012:assumed-role/Caller/session",
              "userAgent": "Custom User Agent String",
              "user": "AROAEXAMPLE:session"
            },
            "path": "/prod/settlements/CLM%2D1",
            "resourcePath": "/settlements/{claimId}",
            "httpMethod": "GET",
            "apiId": "1234567890",
            "protocol": "HTTP/1.1"
          }
        }
        """;

    [Fact]
    public void The_proxy_event_is_read_field_by_field()
    {
        RestApiProxyRequest request = LambdaJson.Parse(SampleEvent, LambdaEventsJsonContext.Default.RestApiProxyRequest);

        request.Resource.Should().Be("/settlements/{claimId}");
        request.Path.Should().Be("/settlements/CLM%2D1");
        request.HttpMethod.Should().Be("GET");
        request.PathParameters!["claimId"].Should().Be("CLM-1");
        request.QueryStringParameters!["foo"].Should().Be("bar");
        request.MultiValueQueryStringParameters!["foo"].Should().Equal("bar");
        request.MultiValueHeaders!["Accept"].Should().Equal("text/html,application/xhtml+xml");
        request.StageVariables!["baz"].Should().Be("qux");
        request.Body.Should().Be("""{"claimId":"CLM-1"}""");
        request.IsBase64Encoded.Should().BeFalse();
        RestApiProxyRequestContext context = request.RequestContext!;
        context.RequestId.Should().Be("c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
        context.Stage.Should().Be("prod");
        context.RequestTimeEpoch.Should().Be(1428582896000);
        context.Identity!.UserArn.Should().Be("arn:aws:sts::123456789012:assumed-role/Caller/session");
        context.Identity.CognitoIdentityId.Should().BeNull();
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("content-type")]
    [InlineData("CONTENT-TYPE")]
    public void Headers_are_found_whatever_the_case(string name)
    {
        RestApiProxyRequest request = LambdaJson.Parse(SampleEvent, LambdaEventsJsonContext.Default.RestApiProxyRequest);

        request.Header(name).Should().Be("application/json");
        request.Header("X-Missing").Should().BeNull();
    }

    [Theory]
    [InlineData("""{"httpMethod":"GET"}""")]
    [InlineData("""{"path":"/settlements"}""")]
    public void An_event_without_path_or_method_is_bad_input(string json)
    {
        FluentActions.Invoking(() => LambdaJson.Parse(json, LambdaEventsJsonContext.Default.RestApiProxyRequest))
            .Should().Throw<BadInputException>();
    }

    [Fact]
    public void The_response_has_exactly_the_shape_API_Gateway_expects()
    {
        var response = new RestApiProxyResponse { StatusCode = 201, Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" }, Body = "{}" };

        using Stream written = LambdaJson.Write(response, LambdaEventsJsonContext.Default.RestApiProxyResponse);

        Support.Samples.ReadAll(written).Should().Be("""{"statusCode":201,"headers":{"Content-Type":"application/json"},"body":"{}","isBase64Encoded":false}""");
    }
}
