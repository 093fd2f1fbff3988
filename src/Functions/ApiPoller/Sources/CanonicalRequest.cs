using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// The canonical form of a job request, <c>{"parameters":{...sorted...},"source":"orders"}</c> (compact UTF-8 JSON,
/// keys sorted ordinally at every level), and its hex SHA-256 (<c>requestHash</c> on the job item). Two requests are
/// "the same request" for idempotency exactly when their hashes are equal, whatever the order or whitespace of the body.
/// </summary>
internal sealed record CanonicalRequest
{
    private CanonicalRequest(string json, string hash)
    {
        Json = json;
        Hash = hash;
    }

    public string Json { get; }

    /// <summary>64 lowercase hex characters.</summary>
    public string Hash { get; }

    public static CanonicalRequest For(string source, JobParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(parameters);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("parameters");
            parameters.WriteTo(writer);
            writer.WriteString("source", source);
            writer.WriteEndObject();
        }

        return new CanonicalRequest(Encoding.UTF8.GetString(buffer.WrittenSpan), Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan)));
    }
}
