using Amazon.CDK;
using Amazon.CDK.AWS.StepFunctions;

namespace Patterns.Cdk.Core;

/// <summary>
/// The retry policies every Step Functions task that calls a service gets: transient errors of that service only
/// (never the task's own business errors), exponential backoff with full jitter (so a burst of failed children does
/// not retry in lockstep), and a ceiling on each delay. Also the arithmetic of their worst case, for timeout checks.
/// </summary>
internal static class TaskRetries
{
    /// <summary>Transient errors of Lambda's Invoke API (the function itself is not retried on its own errors).</summary>
    public static readonly string[] LambdaErrors =
        ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

    /// <summary>Transient DynamoDB errors (throttling and server-side faults).</summary>
    public static readonly string[] DynamoDbErrors =
    [
        "DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
        "DynamoDB.InternalServerErrorException", "DynamoDB.RequestLimitExceededException",
    ];

    /// <summary>Transient Step Functions API errors.</summary>
    public static readonly string[] StepFunctionsErrors =
        ["StepFunctions.SdkClientException", "StepFunctions.ThrottlingException", "StepFunctions.ExecutionLimitExceededException"];

    /// <summary>Lambda invocations: 6 retries from 2 s, doubling, each delay at most 60 s.</summary>
    public static RetryProps Lambda() => Policy(LambdaErrors, Duration.Seconds(2), 6, Duration.Seconds(60));

    /// <summary>DynamoDB calls: 8 retries from 1 s, doubling, each delay at most 30 s.</summary>
    public static RetryProps DynamoDb() => Policy(DynamoDbErrors, Duration.Seconds(1), 8, Duration.Seconds(30));

    /// <summary>Step Functions calls: 6 retries from 2 s, doubling, each delay at most 60 s.</summary>
    public static RetryProps StepFunctions() => Policy(StepFunctionsErrors, Duration.Seconds(2), 6, Duration.Seconds(60));

    /// <summary>A task's own <c>TimeoutSeconds</c> elapsed: 2 retries from 5 s.</summary>
    public static RetryProps Timeout() => Policy(["States.Timeout"], Duration.Seconds(5), 2, Duration.Seconds(30));

    /// <summary>Backoff rate 2 with full jitter for <paramref name="errors"/>.</summary>
    public static RetryProps Policy(string[] errors, Duration interval, double maxAttempts, Duration maxDelay) => new()
    {
        Errors = errors,
        Interval = interval,
        MaxAttempts = maxAttempts,
        BackoffRate = 2,
        MaxDelay = maxDelay,
        JitterStrategy = JitterType.FULL,
    };

    /// <summary>
    /// The longest a task can take in the worst case: every attempt (the first and each retry) runs for
    /// <paramref name="attemptTimeout"/>, and every backoff delay is at its ceiling (full jitter only shortens them).
    /// </summary>
    public static double WorstCaseSeconds(RetryProps retry, Duration attemptTimeout)
    {
        var attempts = retry.MaxAttempts ?? 3;
        var delay = retry.Interval?.ToSeconds() ?? 1;
        var ceiling = retry.MaxDelay?.ToSeconds() ?? double.MaxValue;
        var total = attemptTimeout.ToSeconds() * (attempts + 1);
        for (var k = 0; k < attempts; k++)
        {
            total += Math.Min(delay, ceiling);
            delay *= retry.BackoffRate ?? 2;
        }

        return total;
    }

    /// <summary>Adds <paramref name="retries"/> to <paramref name="state"/> and returns it.</summary>
    public static T With<T>(T state, params RetryProps[] retries)
        where T : TaskStateBase
    {
        foreach (var retry in retries)
        {
            state.AddRetry(retry);
        }

        return state;
    }
}
