using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Api;

/// <summary>A job request that passed every check: its source and its validated parameters.</summary>
internal sealed record JobRequest(SourceDefinition Source, JobParameters Parameters);

/// <summary>
/// Reads and validates the body of POST /jobs: <c>{"source": "orders", "parameters": {"since": "2024-01-01"}}</c>,
/// JSON, at most <see cref="MaxBodyBytes"/>. Everything else is rejected with the list of problems (an error response)
/// before anything is written. Problems never quote parameter values.
/// </summary>
internal sealed class JobRequestReader(SourceCatalog catalog)
{
    public const int MaxBodyBytes = 16 * 1024;
    private const int MaxDepth = 8;
    private const string Shape = "expected {\"source\": \"<name>\", \"parameters\": {\"<name>\": \"<value>\"}}";

    /// <summary>The request, or the response that rejects it (400, 413 or 415).</summary>
    public (JobRequest? Request, HttpApiV2Response? Rejection) Read(HttpApiV2Request http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Header("content-type") is { } contentType && !IsJson(contentType))
        {
            return Reject(ApiResponse.Error(415, "UnsupportedMediaType", "the body must be application/json"));
        }

        if (string.IsNullOrEmpty(http.Body))
        {
            return Reject(ApiResponse.Invalid($"the request body is required: {Shape}"));
        }

        if (!TryDecode(http, out byte[]? body, out HttpApiV2Response? rejection))
        {
            return Reject(rejection!);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            // The message names a line and byte position, never the content.
            return Reject(ApiResponse.Invalid($"the body is not valid JSON: {e.Message}"));
        }

        using (document)
        {
            return Validate(document.RootElement);
        }
    }

    private (JobRequest?, HttpApiV2Response?) Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Reject(ApiResponse.Invalid($"the body must be a JSON object: {Shape}"));
        }

        var problems = new List<string>();
        bool hasSource = false;
        string? sourceName = null;
        JsonElement? parameters = null;
        foreach (JsonProperty member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "source":
                    hasSource = true;
                    sourceName = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null;
                    if (sourceName is null)
                    {
                        problems.Add("'source' must be a string");
                    }

                    break;
                case "parameters":
                    parameters = member.Value;
                    break;
                default:
                    problems.Add($"unknown member '{Shorten(member.Name)}': {Shape}");
                    break;
            }
        }

        SourceDefinition? source = null;
        if (!hasSource)
        {
            problems.Add("'source' is required");
        }
        else if (sourceName is not null && !catalog.TryGet(sourceName, out source))
        {
            problems.Add($"unknown source '{Shorten(sourceName)}'");
        }

        if (source is not null)
        {
            ParameterValidation validation = JobParameters.Validate(source, parameters);
            problems.AddRange(validation.Problems);
            if (problems.Count == 0)
            {
                return (new JobRequest(source, validation.Parameters!), null);
            }
        }

        return Reject(ApiResponse.Invalid(problems));
    }

    private static bool TryDecode(HttpApiV2Request http, out byte[]? body, out HttpApiV2Response? rejection)
    {
        string text = http.Body!;
        body = null;
        rejection = null;
        if (!http.IsBase64Encoded)
        {
            if (text.Length > MaxBodyBytes || Encoding.UTF8.GetByteCount(text) > MaxBodyBytes)
            {
                rejection = TooLarge();
                return false;
            }

            body = Encoding.UTF8.GetBytes(text);
            return true;
        }

        if (Base64.GetMaxDecodedFromUtf8Length(text.Length) > MaxBodyBytes + 3)
        {
            rejection = TooLarge();
            return false;
        }

        try
        {
            body = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            rejection = ApiResponse.Invalid("the body is marked base64-encoded but is not valid base64");
            return false;
        }

        if (body.Length > MaxBodyBytes)
        {
            rejection = TooLarge();
            return false;
        }

        return true;
    }

    private static HttpApiV2Response TooLarge() =>
        ApiResponse.Error(413, "PayloadTooLarge", $"the body must be at most {MaxBodyBytes} bytes");

    private static bool IsJson(string contentType)
    {
        ReadOnlySpan<char> mediaType = contentType.AsSpan();
        int parameters = mediaType.IndexOf(';');
        if (parameters >= 0)
        {
            mediaType = mediaType[..parameters];
        }

        return mediaType.Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static (JobRequest?, HttpApiV2Response?) Reject(HttpApiV2Response response) => (null, response);

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");
}
