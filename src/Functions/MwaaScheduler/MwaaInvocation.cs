using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>
/// Wraps a workflow task's entry point so that a failing invocation leaves one structured log line naming the error
/// name the workflow sees (the shared <c>Invocation</c> only knows <c>BadInputException</c> as permanent, and these
/// handlers report their own names, <see cref="BadInput"/> among them).
/// </summary>
internal static class MwaaInvocation
{
    /// <summary>The error names the workflows treat as final (no Lambda retry helps).</summary>
    private static readonly HashSet<string> Final = new(StringComparer.Ordinal)
    {
        nameof(BadInput), nameof(AirflowAccessDenied), nameof(RestApiNotSupported), nameof(BackupVerificationFailed), nameof(NoVerifiedBackup), nameof(LockHeld),
    };

    public static async Task<Stream> RunAsync(JsonLog log, Func<Task<Stream>> handler)
    {
        try
        {
            return await handler();
        }
        catch (BadInputException e)
        {
            // A malformed payload from the shared JSON reader: reported under the contract name.
            log.Error("invocation failed", ("errorType", nameof(BadInput)), ("errorMessage", e.Reason));
            throw new BadInput(e.Reason, e);
        }
        catch (Exception e)
        {
            string name = e.GetType().Name;
            log.Error(Final.Contains(name) ? "invocation failed" : "invocation failed; the workflow may retry it", ("errorType", name), ("errorMessage", e.Message));
            throw;
        }
    }
}
