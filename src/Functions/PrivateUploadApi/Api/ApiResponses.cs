using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>Builds the REST proxy responses: JSON bodies, <c>Cache-Control: no-store</c> (they hold signed URLs).</summary>
internal static class ApiResponses
{
    public static RestApiProxyResponse Json<T>(int statusCode, T body, JsonTypeInfo<T> type) => new()
    {
        StatusCode = statusCode,
        Headers = new Dictionary<string, string>(2, StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json",
            ["Cache-Control"] = "no-store",
        },
        Body = JsonSerializer.Serialize(body, type),
    };

    public static RestApiProxyResponse NoContent() => new()
    {
        StatusCode = 204,
        Headers = new Dictionary<string, string>(1, StringComparer.OrdinalIgnoreCase) { ["Cache-Control"] = "no-store" },
    };

    public static RestApiProxyResponse Error(RequestRefusedException error) =>
        Json(
            error.Status,
            new ErrorBody(error.Code, error.Message) { MissingParts = error.MissingParts, Allowed = error.Allowed, MaxBytes = error.MaxBytes, State = error.State },
            UploadJsonContext.Default.ErrorBody);
}
