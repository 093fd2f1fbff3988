using Patterns.Cdk.Functions.PrivateUploadApi.Store;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>The checks every <c>{id}</c> route makes before it touches an upload.</summary>
internal static class SessionAccess
{
    /// <summary>An id that is not 32 lowercase hex characters names no upload: 404 without a read.</summary>
    public static void CheckUploadId(string? uploadId, RequestOutcome outcome)
    {
        if (!UploadRules.IsUploadId(uploadId))
        {
            throw RequestRefusedException.NotFound();
        }

        outcome.UploadId = uploadId;
    }

    /// <summary>The session, when it exists (else 404) and belongs to <paramref name="caller"/> (else 403, with nothing about it).</summary>
    public static async Task<UploadSession> LoadOwnedAsync(UploadSessionStore sessions, string uploadId, string caller, RequestOutcome outcome)
    {
        UploadSession session = await sessions.GetAsync(uploadId) ?? throw RequestRefusedException.NotFound();
        if (!string.Equals(session.Owner, caller, StringComparison.Ordinal))
        {
            throw RequestRefusedException.Forbidden();
        }

        outcome.Mode = UploadSessionStore.ModeName(session.Mode);
        outcome.Size = session.Size;
        outcome.PartCount = session.PartCount;
        return session;
    }

    /// <summary>Whole seconds, UTC: the precision the session's ISO timestamps keep.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
