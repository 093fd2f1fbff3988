using System.Globalization;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Aws;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Workflow;

namespace Patterns.Cdk.Functions.ApiPoller.Consumer;

/// <summary>
/// Hands each page to the user's processor function: <b>a stand-in for the official AWS SDK Lambda client</b>
/// (<c>AWSSDK.Lambda</c>'s <c>InvokeAsync</c>), which this build cannot reference. It sends the same synchronous
/// <c>Invoke</c> (<c>POST /2015-03-31/functions/{FunctionName}/invocations</c>, <c>X-Amz-Invocation-Type: RequestResponse</c>,
/// SigV4 with the SDK's signer and default credential chain) with the page pointer as the payload
/// (<c>{"jobId","source","page","bucket","key","bytes"}</c>). The page is processed when the function returns without
/// <c>X-Amz-Function-Error</c>; a function error or a service error is an exception, so the queue delivers the page again.
/// The function's response payload is neither read nor logged.
/// </summary>
internal sealed class LambdaInvokerStandIn : IPageProcessor
{
    public const string ResourcePath = "/2015-03-31/functions/{FunctionName}/invocations";
    public const string FunctionErrorHeader = "X-Amz-Function-Error";

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("X-Amz-Invocation-Type", "RequestResponse"),
        new("Content-Type", "application/json"),
    ];

    private readonly AwsStandInTransport _transport;
    private readonly Dictionary<string, string> _pathResources;
    private readonly TimeSpan _timeout;

    /// <param name="transport">Signs for service <c>lambda</c>.</param>
    /// <param name="functionArn">The processor (<c>PROCESSOR_FUNCTION_ARN</c>).</param>
    /// <param name="timeout">How long one invocation may take (the consumer's own timeout bounds it anyway).</param>
    public LambdaInvokerStandIn(AwsStandInTransport transport, string functionArn, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentException.ThrowIfNullOrEmpty(functionArn);
        _transport = transport;
        _pathResources = new Dictionary<string, string>(1) { ["{FunctionName}"] = functionArn };
        _timeout = timeout;
    }

    public static LambdaInvokerStandIn CreateDefault(string region, string functionArn, TimeSpan timeout) =>
        new(AwsStandInTransport.CreateDefault("lambda", region, new Uri($"https://lambda.{region}.amazonaws.com/")), functionArn, timeout);

    public async Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(page, FetchJsonContext.Default.PagePointer);
        AwsResponse response = await _transport.PostAsync(ResourcePath, _pathResources, Headers, payload, _timeout, cancellationToken);
        if (!response.IsSuccess)
        {
            string code = response.Header("x-amzn-ErrorType")?.Split(':')[0] ?? "UnknownError";
            throw new ProcessorFailedException(string.Create(CultureInfo.InvariantCulture, $"Lambda Invoke of the processor failed: {code} (HTTP {(int)response.Status})"));
        }

        if (response.Header(FunctionErrorHeader) is { Length: > 0 } functionError)
        {
            throw new ProcessorFailedException($"the processor function failed ({FunctionErrorHeader}: {functionError})");
        }
    }
}

/// <summary>The user's processor did not process the page (its error, or Lambda's).</summary>
internal sealed class ProcessorFailedException(string message) : Exception(message);
