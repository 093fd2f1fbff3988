namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// <b>A stand-in for the official <c>AmazonLambdaClient</c></b> (<c>AWSSDK.Lambda</c>), which this build cannot reference:
/// one operation, a synchronous <c>Invoke</c> (restJson1, <c>POST /2015-03-31/functions/{FunctionName}/invocations</c>,
/// <c>X-Amz-Invocation-Type: RequestResponse</c>). To swap: call <c>AmazonLambdaClient.InvokeAsync(new() { FunctionName = arn,
/// Payload = ... })</c> and catch <c>AmazonServiceException</c> instead of <see cref="AwsStandInException"/> (README.md in this folder).
/// </summary>
public sealed class AmazonLambdaClientStandIn
{
    /// <summary>The URL path of Invoke.</summary>
    public const string ResourcePath = "/2015-03-31/functions/{FunctionName}/invocations";

    /// <summary>The header that says the function itself failed (<c>Unhandled</c>, <c>Handled</c>).</summary>
    public const string FunctionErrorHeader = "X-Amz-Function-Error";

    private const string Operation = "Invoke";

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("X-Amz-Invocation-Type", "RequestResponse"),
        new("Content-Type", "application/json"),
    ];

    private readonly AwsStandInTransport _transport;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>lambda</c>.</param>
    /// <param name="timeout">How long one invocation may take, the function's run included.</param>
    public AmazonLambdaClientStandIn(AwsStandInTransport transport, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _timeout = timeout;
    }

    /// <summary>The client of a Lambda function in <paramref name="region"/> (the regional endpoint unless <paramref name="endpointOverride"/>).</summary>
    public static AmazonLambdaClientStandIn CreateDefault(string region, TimeSpan timeout, Uri? endpointOverride = null) =>
        new(AwsStandInTransport.CreateDefault("lambda", "lambda", region, endpointOverride), timeout);

    /// <summary>Invokes a function synchronously. A function error is not an exception: see <see cref="InvokeResponse.FunctionError"/>.</summary>
    /// <exception cref="AwsStandInException">Lambda itself failed the call (throttling, access denied, no such function, ...).</exception>
    public async Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.FunctionName);
        var pathResources = new Dictionary<string, string>(1) { ["{FunctionName}"] = request.FunctionName };
        AwsResponse response = await _transport.PostAsync(Operation, ResourcePath, pathResources, Headers, request.Payload, _timeout, cancellationToken);
        return new InvokeResponse
        {
            StatusCode = (int)response.Status,
            FunctionError = response.Header(FunctionErrorHeader) is { Length: > 0 } error ? error : null,
            Payload = response.Body,
        };
    }
}

/// <summary>A synchronous Invoke (the fields used here).</summary>
public sealed class InvokeRequest
{
    /// <summary>The function's name or ARN.</summary>
    public required string FunctionName { get; init; }

    /// <summary>The JSON event, as bytes.</summary>
    public required byte[] Payload { get; init; }
}

/// <summary>The answer of a synchronous Invoke.</summary>
public sealed class InvokeResponse
{
    /// <summary>The HTTP status (200 for a synchronous invocation).</summary>
    public required int StatusCode { get; init; }

    /// <summary>Set when the function failed (<c>Unhandled</c>); the payload then describes the error.</summary>
    public string? FunctionError { get; init; }

    /// <summary>The function's response (or error) payload.</summary>
    public required byte[] Payload { get; init; }
}
