using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.ApiPoller.Secrets;

/// <summary>Reads a secret's string value.</summary>
internal interface ISecretReader
{
    /// <exception cref="SecretUnavailableException">The secret could not be read.</exception>
    Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken);
}

/// <summary>
/// Reads secrets with Secrets Manager's <c>GetSecretValue</c> through <see cref="AmazonSecretsManagerClientStandIn"/>
/// (src/Functions/Shared/AwsStandIns). Transient failures (throttling, 5xx, network errors, timeouts) are retried twice
/// with a short backoff. Errors name the service's error code, never the secret's value.
/// </summary>
internal sealed class SecretsManagerSecretReader : ISecretReader
{
    private const int MaxAttempts = 3;

    private readonly AmazonSecretsManagerClientStandIn _secretsManager;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public SecretsManagerSecretReader(AmazonSecretsManagerClientStandIn secretsManager, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(secretsManager);
        _secretsManager = secretsManager;
        _delay = delay ?? Task.Delay;
    }

    /// <summary>The reader of a Lambda function in <paramref name="region"/> (the regional endpoint).</summary>
    public static SecretsManagerSecretReader CreateDefault(string region) => new(AmazonSecretsManagerClientStandIn.CreateDefault(region));

    public async Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretId);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                GetSecretValueResponse response = await _secretsManager.GetSecretValueAsync(new GetSecretValueRequest { SecretId = secretId }, cancellationToken);
                return response.SecretString is { Length: > 0 } value
                    ? value
                    : throw new SecretUnavailableException("the secret has no SecretString (binary secrets are not supported as header values)");
            }
            catch (AwsStandInException e) when (e.IsTransient && attempt < MaxAttempts)
            {
                await _delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
            catch (AwsStandInException e) when (e.StatusCode is null)
            {
                throw new SecretUnavailableException($"Secrets Manager could not be reached after {attempt} attempt(s) ({(e.InnerException ?? e).GetType().Name})", e);
            }
            catch (AwsStandInException e)
            {
                // The message carries the error code and the service's message, never the response body.
                throw new SecretUnavailableException($"{e.Message} (after {attempt} attempt(s))");
            }
        }
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
}
