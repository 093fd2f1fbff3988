using System.Net;
using System.Text.Json;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>The shared fault layer's REST API error shapes, which the conservation run puts in the upload client's API pipeline.</summary>
public sealed class ApiGatewayFaultShapeTests
{
    [Theory]
    [InlineData(FaultKind.Http500, HttpStatusCode.InternalServerError, "InternalServerErrorException")]
    [InlineData(FaultKind.Http503, HttpStatusCode.ServiceUnavailable, "ServiceUnavailableException")]
    [InlineData(FaultKind.Throttling, HttpStatusCode.TooManyRequests, "TooManyRequestsException")]
    [InlineData(FaultKind.Outage, HttpStatusCode.ServiceUnavailable, "ServiceUnavailableException")]
    public async Task A_REST_API_error_is_its_status_a_message_body_and_the_error_type_header(FaultKind kind, HttpStatusCode status, string type)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/v1/uploads");
        using HttpResponseMessage response = FaultResponses.Error("ApiGateway", kind, request);

        response.StatusCode.Should().Be(status);
        response.Headers.GetValues("x-amzn-ErrorType").Should().Equal(type);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("message");
    }
}
