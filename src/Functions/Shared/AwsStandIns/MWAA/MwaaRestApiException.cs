using System.Globalization;
using System.Text.Json;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// Airflow itself answered an InvokeRestApi call with an error: MWAA's <c>RestApiClientException</c> (Airflow 4xx) or
/// <c>RestApiServerException</c> (Airflow 5xx), both HTTP 400 from MWAA with <c>RestApiStatusCode</c> and
/// <c>RestApiResponse</c> in the body. The response is marked sensitive in the service model, so only Airflow's status
/// and the <c>title</c> of its problem document are kept; never the response's other members.
/// </summary>
public sealed class MwaaRestApiException : Exception
{
    /// <summary>MWAA's error code for an Airflow 4xx.</summary>
    public const string ClientErrorCode = "RestApiClientException";

    /// <summary>MWAA's error code for an Airflow 5xx.</summary>
    public const string ServerErrorCode = "RestApiServerException";

    private const int TitleLimit = 200;

    /// <param name="errorCode"><see cref="ClientErrorCode"/> or <see cref="ServerErrorCode"/>.</param>
    /// <param name="restApiStatusCode">Airflow's HTTP status, or null when MWAA gave none.</param>
    /// <param name="title">The <c>title</c> of Airflow's problem document (<c>DAG not found</c>), or null.</param>
    /// <param name="httpStatus">MWAA's own HTTP status.</param>
    public MwaaRestApiException(string errorCode, int? restApiStatusCode, string? title, int httpStatus)
        : base(string.Create(
            CultureInfo.InvariantCulture,
            $"InvokeRestApi failed: {errorCode} (HTTP {httpStatus}): Airflow answered {(restApiStatusCode is { } s ? s.ToString(CultureInfo.InvariantCulture) : "no status")}{(title is null ? "" : $" ({title})")}"))
    {
        ErrorCode = errorCode;
        RestApiStatusCode = restApiStatusCode;
        Title = title;
        HttpStatus = httpStatus;
    }

    /// <summary><see cref="ClientErrorCode"/> or <see cref="ServerErrorCode"/>.</summary>
    public string ErrorCode { get; }

    /// <summary>Airflow's HTTP status, or null when MWAA gave none.</summary>
    public int? RestApiStatusCode { get; }

    /// <summary>The <c>title</c> of Airflow's problem document, at most 200 characters, or null.</summary>
    public string? Title { get; }

    /// <summary>MWAA's own HTTP status (400 for both errors in the service model).</summary>
    public int HttpStatus { get; }

    /// <summary>Reads the error body; a body that is not the modelled JSON leaves the status and title null.</summary>
    public static MwaaRestApiException From(string errorCode, int httpStatus, byte[] body, string? message)
    {
        ArgumentNullException.ThrowIfNull(body);
        int? status = null;
        string? title = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty(nameof(RestApiStatusCode), out JsonElement code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out int parsed))
                {
                    status = parsed;
                }

                if (document.RootElement.TryGetProperty("RestApiResponse", out JsonElement response) && response.ValueKind == JsonValueKind.Object
                    && response.TryGetProperty("title", out JsonElement t) && t.ValueKind == JsonValueKind.String)
                {
                    title = t.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not the modelled shape: the code alone decides.
        }

        title ??= string.IsNullOrWhiteSpace(message) ? null : message;
        if (title is { Length: > TitleLimit })
        {
            title = title[..TitleLimit];
        }

        return new MwaaRestApiException(errorCode, status, title, httpStatus);
    }
}
