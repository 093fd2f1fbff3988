using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Api;

/// <summary>Builds the HTTP API responses: JSON bodies, never cached; errors share one shape (<see cref="ErrorBody"/>).</summary>
internal static class ApiResponse
{
    public const string BadRequest = "BadRequest";

    public static HttpApiV2Response Json<T>(int statusCode, T body, JsonTypeInfo<T> type, params (string Name, string Value)[] extraHeaders)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/json",
            ["cache-control"] = "no-store",
        };
        foreach ((string name, string value) in extraHeaders)
        {
            headers[name] = value;
        }

        return new HttpApiV2Response { StatusCode = statusCode, Headers = headers, Body = JsonSerializer.Serialize(body, type) };
    }

    /// <summary>400 with every problem found.</summary>
    public static HttpApiV2Response Invalid(IReadOnlyList<string> problems) =>
        Error(400, BadRequest, "the request is invalid", problems);

    public static HttpApiV2Response Invalid(string problem) => Invalid([problem]);

    public static HttpApiV2Response NotFound(string message) => Error(404, "NotFound", message);

    public static HttpApiV2Response MethodNotAllowed(string allowed) =>
        Json(405, new ErrorBody("MethodNotAllowed", $"this resource supports {allowed}"), ApiJsonContext.Default.ErrorBody, ("allow", allowed));

    public static HttpApiV2Response Error(int statusCode, string error, string message, IReadOnlyList<string>? problems = null) =>
        Json(statusCode, new ErrorBody(error, message) { Problems = problems }, ApiJsonContext.Default.ErrorBody);

    public static string Status(int statusCode) => statusCode.ToString(CultureInfo.InvariantCulture);
}
