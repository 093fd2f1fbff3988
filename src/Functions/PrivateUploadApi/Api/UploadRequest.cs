using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>Reads the JSON bodies of the upload API: size-capped, any shape problem an <see cref="RequestRefusedException"/>.</summary>
internal static class UploadRequest
{
    /// <summary>The largest JSON body accepted (1,000 part numbers with their MD5s fit in well under half of it).</summary>
    public const int MaxJsonBytes = 64 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    /// <summary>The body's bytes: base64-decoded when API Gateway marked it so, else the UTF-8 text.</summary>
    /// <exception cref="RequestRefusedException">The body is marked base64 but is not.</exception>
    public static byte[] BodyBytes(RestApiProxyRequest request)
    {
        if (string.IsNullOrEmpty(request.Body))
        {
            return [];
        }

        if (!request.IsBase64Encoded)
        {
            return Encoding.UTF8.GetBytes(request.Body);
        }

        try
        {
            return Convert.FromBase64String(request.Body);
        }
        catch (FormatException)
        {
            throw RequestRefusedException.InvalidRequest("the body is marked base64 but is not valid base64");
        }
    }

    /// <summary>The byte count of the body before decoding it (base64: the decoded length).</summary>
    public static long DecodedLength(RestApiProxyRequest request)
    {
        if (string.IsNullOrEmpty(request.Body))
        {
            return 0;
        }

        if (!request.IsBase64Encoded)
        {
            return Encoding.UTF8.GetByteCount(request.Body);
        }

        string body = request.Body;
        int padding = body.EndsWith("==", StringComparison.Ordinal) ? 2 : body.EndsWith('=') ? 1 : 0;
        return (body.Length / 4 * 3L) - padding;
    }

    /// <summary>The body as a JSON object.</summary>
    /// <exception cref="RequestRefusedException">InvalidJson: no body, too large, malformed, or not an object.</exception>
    public static JsonDocument ReadObject(RestApiProxyRequest request)
    {
        if (DecodedLength(request) > MaxJsonBytes)
        {
            throw RequestRefusedException.InvalidJson($"the JSON body is larger than {MaxJsonBytes / 1024} KiB");
        }

        byte[] body = BodyBytes(request);
        if (body.Length == 0)
        {
            throw RequestRefusedException.InvalidJson("a JSON body is required");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException e)
        {
            // The parser's message names a position and at most one character, never a value.
            throw RequestRefusedException.InvalidJson("the body is not valid JSON: " + e.Message);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw RequestRefusedException.InvalidJson("the body must be a JSON object");
        }

        return document;
    }

    /// <summary>A member that must be a string; null when it is absent or JSON null.</summary>
    /// <exception cref="RequestRefusedException">InvalidRequest: present but not a string.</exception>
    public static string? String(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw RequestRefusedException.InvalidRequest($"{name} must be a string");
    }

    /// <summary>Whether the member is present and not JSON null.</summary>
    public static bool Has(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;
}
