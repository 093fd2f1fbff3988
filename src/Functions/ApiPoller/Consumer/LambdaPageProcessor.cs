using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.ApiPoller.Consumer;

/// <summary>
/// Hands each page to the user's processor function with a synchronous Lambda <c>Invoke</c> through
/// <see cref="AmazonLambdaClientStandIn"/> (src/Functions/Shared/AwsStandIns), the page pointer as the payload
/// (<c>{"jobId","source","page","bucket","key","bytes"}</c>). The page is processed when the function returns without a
/// function error; a function error or a service error is an exception, so the queue delivers the page again.
/// The function's response payload is neither read nor logged.
/// </summary>
internal sealed class LambdaPageProcessor : IPageProcessor
{
    private readonly AmazonLambdaClientStandIn _lambda;
    private readonly string _functionArn;

    /// <param name="lambda">Invokes the processor.</param>
    /// <param name="functionArn">The processor (<c>PROCESSOR_FUNCTION_ARN</c>).</param>
    public LambdaPageProcessor(AmazonLambdaClientStandIn lambda, string functionArn)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentException.ThrowIfNullOrEmpty(functionArn);
        _lambda = lambda;
        _functionArn = functionArn;
    }

    /// <summary>The processor of a Lambda function in <paramref name="region"/>; one invocation may take <paramref name="timeout"/>.</summary>
    public static LambdaPageProcessor CreateDefault(string region, string functionArn, TimeSpan timeout) =>
        new(AmazonLambdaClientStandIn.CreateDefault(region, timeout), functionArn);

    public async Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(page, FetchJsonContext.Default.PagePointer);
        InvokeResponse response;
        try
        {
            response = await _lambda.InvokeAsync(new InvokeRequest { FunctionName = _functionArn, Payload = payload }, cancellationToken);
        }
        catch (AwsStandInException e)
        {
            throw new ProcessorFailedException($"Lambda Invoke of the processor failed: {e.ErrorCode ?? "UnknownError"}{(e.StatusCode is { } status ? $" (HTTP {status})" : $" ({e.Detail})")}", e);
        }

        if (response.FunctionError is { } functionError)
        {
            throw new ProcessorFailedException($"the processor function failed ({AmazonLambdaClientStandIn.FunctionErrorHeader}: {functionError})");
        }
    }
}

/// <summary>The user's processor did not process the page (its error, or Lambda's).</summary>
internal sealed class ProcessorFailedException : Exception
{
    public ProcessorFailedException(string message)
        : base(message)
    {
    }

    public ProcessorFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
