using System.Text.Json;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// Reads an AWS error answer and classifies it. The JSON protocols (awsJson 1.0/1.1, used by Secrets Manager, Rekognition,
/// EventBridge; restJson1, used by Lambda and MWAA) carry the code in the <c>x-amzn-ErrorType</c> header
/// (<c>ThrottlingException:http://...</c>) and/or the body's <c>__type</c> or <c>code</c>, possibly qualified
/// (<c>com.amazonaws.rekognition#ThrottlingException</c>), and the message in <c>message</c> or <c>Message</c>.
/// Services on the query/XML protocols would need their own reader (none is used yet).
/// </summary>
public static class AwsErrors
{
    /// <summary>The throttling codes of the AWS SDKs' standard retry mode: transient whatever their status.</summary>
    public static readonly IReadOnlySet<string> ThrottlingCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    /// <summary>The <see cref="AwsStandInException"/> of a non-2xx answer.</summary>
    public static AwsStandInException FromResponse(string operation, AwsResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        (string? code, string? message) = Read(response);
        int status = (int)response.Status;
        return new AwsStandInException(operation, Classify(status, code), code, status, message);
    }

    /// <summary>5xx, 429 and throttling codes are transient; everything else is permanent.</summary>
    public static AwsErrorKind Classify(int status, string? errorCode) =>
        status >= 500 || status == 429 || (errorCode is not null && ThrottlingCodes.Contains(errorCode)) ? AwsErrorKind.Transient : AwsErrorKind.Permanent;

    /// <summary>The unqualified error code and the message of a JSON-protocol error answer; nulls where absent.</summary>
    public static (string? Code, string? Message) Read(AwsResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        string? bodyCode = null;
        string? message = null;
        try
        {
            if (response.Body.Length > 0)
            {
                using JsonDocument document = JsonDocument.Parse(response.Body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    bodyCode = StringProperty(document.RootElement, "__type") ?? StringProperty(document.RootElement, "code");
                    message = StringProperty(document.RootElement, "message") ?? StringProperty(document.RootElement, "Message");
                }
            }
        }
        catch (JsonException)
        {
            // An HTML page from a load balancer or proxy: the status decides.
        }

        string? code = response.Header("x-amzn-ErrorType") is { Length: > 0 } header ? header.Split(':')[0] : bodyCode;
        if (code is not null && code.LastIndexOf('#') is var hash and >= 0)
        {
            code = code[(hash + 1)..];
        }

        return (string.IsNullOrEmpty(code) ? null : code, message);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
