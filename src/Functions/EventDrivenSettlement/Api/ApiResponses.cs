using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Api;

/// <summary>Builds the REST proxy responses: JSON bodies with <c>Content-Type: application/json</c>, never cached.</summary>
internal static class ApiResponses
{
    public static RestApiProxyResponse Json<T>(int statusCode, T body, JsonTypeInfo<T> type, params (string Name, string Value)[] extraHeaders)
    {
        var headers = new Dictionary<string, string>(2 + extraHeaders.Length, StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json",
            ["Cache-Control"] = "no-store",
        };
        foreach ((string name, string value) in extraHeaders)
        {
            headers[name] = value;
        }

        return new RestApiProxyResponse { StatusCode = statusCode, Headers = headers, Body = JsonSerializer.Serialize(body, type) };
    }

    public static RestApiProxyResponse Error(int statusCode, string message, IReadOnlyList<string>? errors = null, params (string Name, string Value)[] extraHeaders) =>
        Json(statusCode, new ErrorBody(message) { Errors = errors }, ApiJsonContext.Default.ErrorBody, extraHeaders);
}
