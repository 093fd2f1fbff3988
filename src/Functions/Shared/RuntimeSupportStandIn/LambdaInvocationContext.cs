namespace Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

/// <summary>
/// What the Runtime API says about the invocation in progress (the headers of <c>/runtime/invocation/next</c>):
/// the counterpart of the parts of RuntimeSupport's <c>ILambdaContext</c> our handlers can use.
/// </summary>
/// <param name="RequestId"><c>Lambda-Runtime-Aws-Request-Id</c>.</param>
/// <param name="DeadlineUnixMilliseconds"><c>Lambda-Runtime-Deadline-Ms</c>: when the function times out.</param>
/// <param name="InvokedFunctionArn"><c>Lambda-Runtime-Invoked-Function-Arn</c>.</param>
/// <param name="TraceId"><c>Lambda-Runtime-Trace-Id</c> (X-Ray), or null.</param>
public sealed record LambdaInvocationContext(string RequestId, long DeadlineUnixMilliseconds, string? InvokedFunctionArn, string? TraceId)
{
    /// <summary>The invocation the runtime loop is running, or null outside one (unit tests, the JIT build).</summary>
    public static LambdaInvocationContext? Current { get; internal set; }

    /// <summary>Time left before the function times out, never negative.</summary>
    public TimeSpan RemainingTime(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        long left = DeadlineUnixMilliseconds - clock.GetUtcNow().ToUnixTimeMilliseconds();
        return TimeSpan.FromMilliseconds(Math.Max(0, left));
    }
}
