using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Patterns.Cdk.Functions.ApiPoller.Aws;

namespace Patterns.Cdk.Functions.ApiPoller.Secrets;

/// <summary>Reads a secret's string value.</summary>
internal interface ISecretReader
{
    /// <exception cref="SecretUnavailableException">The secret could not be read.</exception>
    Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken);
}

/// <summary>
/// <b>A stand-in for the official AWS SDK Secrets Manager client</b> (<c>AWSSDK.SecretsManager</c>'s
/// <c>GetSecretValueAsync</c>), which this build cannot reference: the same <c>secretsmanager.GetSecretValue</c> request
/// (JSON 1.1 protocol, SigV4 with the SDK's signer and default credential chain), the same response. Throttling and 5xx
/// are retried twice with a short backoff. Errors name the service's error code, never the secret's value.
/// To use the real client: implement <see cref="ISecretReader"/> with <c>AmazonSecretsManagerClient.GetSecretValueAsync</c>.
/// </summary>
internal sealed class SecretsManagerClientStandIn : ISecretReader
{
    public const string Target = "secretsmanager.GetSecretValue";
    public const string ContentType = "application/x-amz-json-1.1";
    private const int MaxAttempts = 3;

    private static readonly KeyValuePair<string, string>[] Headers = [new("X-Amz-Target", Target), new("Content-Type", ContentType)];
    private static readonly Dictionary<string, string> NoPathResources = [];

    private readonly AwsStandInTransport _transport;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public SecretsManagerClientStandIn(AwsStandInTransport transport, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _delay = delay ?? Task.Delay;
    }

    /// <summary>The client of a Lambda function in <paramref name="region"/> (the regional endpoint).</summary>
    public static SecretsManagerClientStandIn CreateDefault(string region) =>
        new(AwsStandInTransport.CreateDefault("secretsmanager", region, new Uri($"https://secretsmanager.{region}.amazonaws.com/")));

    public async Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretId);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new GetSecretValueRequest { SecretId = secretId }, SecretsJsonContext.Default.GetSecretValueRequest);
        for (int attempt = 1; ; attempt++)
        {
            AwsResponse response;
            try
            {
                response = await _transport.PostAsync("/", NoPathResources, Headers, body, TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= MaxAttempts)
                {
                    throw new SecretUnavailableException($"Secrets Manager could not be reached after {attempt} attempts ({e.GetType().Name})", e);
                }

                await _delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                continue;
            }

            if (response.IsSuccess)
            {
                return Read(response.Body);
            }

            string code = ErrorCode(response);
            bool retryable = (int)response.Status >= 500 || code is "ThrottlingException" or "InternalServiceError";
            if (!retryable || attempt >= MaxAttempts)
            {
                throw new SecretUnavailableException(string.Create(CultureInfo.InvariantCulture, $"GetSecretValue failed: {code} (HTTP {(int)response.Status}) after {attempt} attempt(s)"));
            }

            await _delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }

    private static string Read(byte[] body)
    {
        GetSecretValueResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(body, SecretsJsonContext.Default.GetSecretValueResponse);
        }
        catch (JsonException e)
        {
            // Never the exception's message: it could quote the secret.
            throw new SecretUnavailableException("GetSecretValue answered something that is not its JSON response", e.GetType().Name);
        }

        return response?.SecretString is { Length: > 0 } value
            ? value
            : throw new SecretUnavailableException("the secret has no SecretString (binary secrets are not supported as header values)");
    }

    // The error code comes from x-amzn-ErrorType ("ResourceNotFoundException:http://...") or the body's __type.
    private static string ErrorCode(AwsResponse response)
    {
        string? code = response.Header("x-amzn-ErrorType")?.Split(':')[0];
        if (string.IsNullOrEmpty(code))
        {
            try
            {
                code = response.Body.Length == 0 ? null : JsonSerializer.Deserialize(response.Body, SecretsJsonContext.Default.AwsJsonError)?.Type;
            }
            catch (JsonException)
            {
                code = null; // an HTML error page from a proxy: the status decides
            }
        }

        return code is null ? "UnknownError" : code[(code.LastIndexOf('#') + 1)..];
    }
}

/// <summary>The auth secret of a source could not be read: its message names an error code, never a value.</summary>
internal sealed class SecretUnavailableException : Exception
{
    public SecretUnavailableException(string message)
        : base(message)
    {
    }

    public SecretUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Keeps only the type of a parse failure, never its message.</summary>
    public SecretUnavailableException(string message, string causeType)
        : base($"{message} ({causeType})")
    {
    }
}

internal sealed record GetSecretValueRequest
{
    [JsonPropertyName("SecretId")]
    public required string SecretId { get; init; }
}

internal sealed record GetSecretValueResponse
{
    [JsonPropertyName("SecretString")]
    public string? SecretString { get; init; }
}

internal sealed record AwsJsonError
{
    [JsonPropertyName("__type")]
    public string? Type { get; init; }
}

[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(GetSecretValueResponse))]
[JsonSerializable(typeof(AwsJsonError))]
internal sealed partial class SecretsJsonContext : JsonSerializerContext;
