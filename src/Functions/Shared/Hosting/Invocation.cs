namespace Patterns.Cdk.Functions.Shared;

/// <summary>Wraps a handler's entry point so that a failing invocation always leaves one structured log line.</summary>
public static class Invocation
{
    /// <summary>
    /// Runs <paramref name="handler"/>; an exception that escapes is logged (bad input or transient) and rethrown, so
    /// Lambda applies its own outcome: retries and then the on-failure destination for an asynchronous invocation,
    /// a retried batch for an event source mapping.
    /// </summary>
    public static async Task<Stream> RunAsync(JsonLog log, Func<Task<Stream>> handler)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            return await handler();
        }
        catch (BadInputException e)
        {
            log.Error("invocation rejected: bad input, retrying cannot help", e);
            throw;
        }
        catch (Exception e)
        {
            log.Error("invocation failed: transient error, Lambda retries it", e);
            throw;
        }
    }
}
