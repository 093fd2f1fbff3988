using System.Net;

namespace Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

/// <summary>An entry point with the managed runtime's shape: the invocation payload in, the response payload out.</summary>
/// <param name="input">The invocation payload (usually JSON).</param>
/// <returns>The response payload; <see cref="Stream.Null"/> for none.</returns>
public delegate Task<Stream> LambdaHandler(Stream input);

/// <summary>
/// Stand-in for <c>Amazon.Lambda.RuntimeSupport</c>'s <c>LambdaBootstrap</c> (that package is not served to this build):
/// the loop of a custom runtime (<c>provided.al2023</c>) that a Native AOT <c>bootstrap</c> executable runs.
/// <list type="number">
/// <item>Init: reads <c>AWS_LAMBDA_RUNTIME_API</c> and the handler string <c>_HANDLER</c>, looks the handler up in the
/// executable's table and creates it once. An unknown handler or a constructor that throws (a missing setting, say) is
/// reported to <c>/runtime/init/error</c> and the process exits with code 1, as the Runtime API asks.</item>
/// <item>Loop: <c>GET /runtime/invocation/next</c> (no timeout: the process may be frozen in between), publishes the
/// request id, deadline, function ARN and trace header (<see cref="LambdaInvocationContext.Current"/>, and
/// <c>_X_AMZN_TRACE_ID</c> for the AWS SDK and the logs), runs the handler, and posts its stream to
/// <c>/response</c> or the exception to <c>/error</c> as <c>{"errorType","errorMessage","stackTrace"}</c>.</item>
/// </list>
/// One invocation at a time. The payload buffer and the HTTP connection are reused across invocations.
/// </summary>
public static class LambdaBootstrap
{
    /// <summary>Exit code after an init error has been reported (Lambda starts a new environment).</summary>
    public const int InitErrorExitCode = 1;

    /// <summary>Exit code when the Runtime API itself cannot be reached or is not configured.</summary>
    public const int RuntimeApiUnavailableExitCode = 2;

    /// <summary>Runs the runtime loop for the process: the entry point of every bundled <c>bootstrap</c>.</summary>
    /// <param name="handlers">The handler strings this executable serves, each with the factory that creates it once per process.</param>
    /// <returns>The process exit code (the loop itself returns only when the Runtime API goes away or init fails).</returns>
    public static Task<int> RunAsync(IReadOnlyDictionary<string, Func<LambdaHandler>> handlers) =>
        RunAsync(handlers, Environment.GetEnvironmentVariable, Console.Error, CancellationToken.None);

    /// <summary>The loop with its environment, diagnostics output and stop signal supplied (tests).</summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, Func<LambdaHandler>> handlers,
        Func<string, string?> environment, TextWriter diagnostics, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(diagnostics);
        string? endpoint = environment("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            await diagnostics.WriteLineAsync("bootstrap: AWS_LAMBDA_RUNTIME_API is not set; this executable runs inside Lambda's provided.al2023 runtime");
            return RuntimeApiUnavailableExitCode;
        }

        using var api = new RuntimeApiClient(endpoint);
        bool initialized = false;
        try
        {
            LambdaHandler? handler = await InitializeAsync(api, handlers, environment("_HANDLER"), cancellation);
            if (handler is null)
            {
                return InitErrorExitCode;
            }

            initialized = true;
            while (!cancellation.IsCancellationRequested)
            {
                using Invocation invocation = await api.NextAsync(cancellation);
                LambdaInvocationContext.Current = invocation.Context;
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.Context.TraceId);
                Stream output;
                try
                {
                    // No response (a null task or a null stream) is an empty response, as in RuntimeSupport.
                    Task<Stream>? pending = handler(invocation.Payload);
                    output = (pending is null ? null : await pending) ?? Stream.Null;
                }
                catch (Exception e)
                {
                    await api.PostErrorAsync(invocation.Context.RequestId, ErrorReport.From(e), cancellation);
                    continue;
                }

                await using (output)
                {
                    (HttpStatusCode status, Exception? outputFailure) = await api.PostResponseAsync(invocation.Context.RequestId, output, cancellation);
                    if (outputFailure is not null)
                    {
                        await api.PostErrorAsync(invocation.Context.RequestId, ErrorReport.From(outputFailure), cancellation);
                    }
                    else if (status == HttpStatusCode.RequestEntityTooLarge)
                    {
                        await api.PostErrorAsync(invocation.Context.RequestId, new ErrorReport("Function.ResponseSizeTooLarge",
                            "The handler's response is larger than Lambda accepts (6 MB for a synchronous invocation).", []), cancellation);
                    }
                    else if ((int)status >= 300)
                    {
                        await diagnostics.WriteLineAsync($"bootstrap: the Runtime API refused the response of {invocation.Context.RequestId} with HTTP {(int)status}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // A refused or dropped connection, or an error status (a body cut short is an HttpRequestException from
            // CopyToAsync; IOException covers an HttpIOException read straight from a response stream).
            await diagnostics.WriteLineAsync(initialized
                ? $"bootstrap: the Runtime API at {endpoint} went away: {e.Message}"
                : $"bootstrap: the Runtime API at {endpoint} is unreachable during init: {e.Message}");
            return RuntimeApiUnavailableExitCode;
        }

        return 0;
    }

    private static async Task<LambdaHandler?> InitializeAsync(RuntimeApiClient api, IReadOnlyDictionary<string, Func<LambdaHandler>> handlers,
        string? name, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(name) || !handlers.TryGetValue(name, out Func<LambdaHandler>? factory))
        {
            string known = string.Join(", ", handlers.Keys.Order(StringComparer.Ordinal));
            await api.PostInitErrorAsync(new ErrorReport("Runtime.NoSuchHandler",
                $"The function's handler is '{name}', which this bootstrap does not serve; use one of: {known}.", []), cancellation);
            return null;
        }

        LambdaHandler? handler;
        try
        {
            handler = factory();
        }
        catch (Exception e)
        {
            await api.PostInitErrorAsync(ErrorReport.From(e), cancellation);
            return null;
        }

        if (handler is null)
        {
            await api.PostInitErrorAsync(new ErrorReport("Runtime.InvalidEntrypoint",
                $"The factory of handler '{name}' returned no entry point.", []), cancellation);
        }

        return handler;
    }
}
