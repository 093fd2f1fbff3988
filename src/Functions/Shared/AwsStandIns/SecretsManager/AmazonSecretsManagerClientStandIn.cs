using System.Text.Json;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// <b>A stand-in for the official <c>AmazonSecretsManagerClient</c></b> (<c>AWSSDK.SecretsManager</c>), which this build
/// cannot reference: one operation, <c>GetSecretValue</c> (awsJson 1.1, <c>X-Amz-Target: secretsmanager.GetSecretValue</c>).
/// To swap: call <c>AmazonSecretsManagerClient.GetSecretValueAsync(new() { SecretId = id })</c> and catch <c>AmazonServiceException</c>
/// instead of <see cref="AwsStandInException"/> (README.md in this folder).
/// </summary>
public sealed class AmazonSecretsManagerClientStandIn
{
    /// <summary>The <c>X-Amz-Target</c> of GetSecretValue.</summary>
    public const string Target = "secretsmanager.GetSecretValue";

    /// <summary>The content type of the awsJson 1.1 protocol.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    private const string Operation = "GetSecretValue";

    private static readonly KeyValuePair<string, string>[] Headers = [new("X-Amz-Target", Target), new("Content-Type", ContentType)];
    private static readonly Dictionary<string, string> NoPathResources = [];

    private readonly AwsStandInTransport _transport;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>secretsmanager</c>.</param>
    /// <param name="timeout">How long one call may take (default 5 s).</param>
    public AmazonSecretsManagerClientStandIn(AwsStandInTransport transport, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>The client of a Lambda function in <paramref name="region"/> (the regional endpoint unless <paramref name="endpointOverride"/>).</summary>
    public static AmazonSecretsManagerClientStandIn CreateDefault(string region, Uri? endpointOverride = null) =>
        new(AwsStandInTransport.CreateDefault("secretsmanager", "secretsmanager", region, endpointOverride));

    /// <summary>Reads a secret's current value.</summary>
    /// <exception cref="AwsStandInException">The call failed; its message never quotes the response body.</exception>
    public async Task<GetSecretValueResponse> GetSecretValueAsync(GetSecretValueRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, SecretsManagerJsonContext.Default.GetSecretValueRequest);
        AwsResponse response = await _transport.PostAsync(Operation, "/", NoPathResources, Headers, body, _timeout, cancellationToken);
        return AwsStandInTransport.ReadJson(Operation, response, SecretsManagerJsonContext.Default.GetSecretValueResponse);
    }
}

/// <summary>The GetSecretValue request (the fields used here).</summary>
public sealed class GetSecretValueRequest
{
    /// <summary>The secret's ARN or name.</summary>
    [JsonPropertyName("SecretId")]
    public required string SecretId { get; init; }
}

/// <summary>The GetSecretValue response (the fields used here).</summary>
public sealed class GetSecretValueResponse
{
    /// <summary>The secret's string value; null for a binary secret.</summary>
    [JsonPropertyName("SecretString")]
    public string? SecretString { get; init; }
}

[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(GetSecretValueResponse))]
internal sealed partial class SecretsManagerJsonContext : JsonSerializerContext;
