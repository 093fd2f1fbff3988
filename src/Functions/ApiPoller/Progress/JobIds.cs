using System.Security.Cryptography;
using System.Text;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// Job ids are 32 lowercase hex characters: a new GUID ("N" format) for an API request without an idempotency key,
/// otherwise the first 32 hex of a SHA-256, so a repeated request or a repeated schedule delivery names the same job.
/// </summary>
internal static class JobIds
{
    public const int Length = 32;
    public const int MaxIdempotencyKeyLength = 128;

    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// The job of an API request with an <c>Idempotency-Key</c>: scoped to the caller, so two callers using the same key
    /// never collide (and one caller cannot learn about another's job by guessing keys).
    /// </summary>
    public static string FromIdempotencyKey(string callerArn, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(callerArn);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return Truncated(callerArn + "\n" + idempotencyKey);
    }

    /// <summary>The job of one scheduled run: a duplicate delivery of the same scheduled time is the same job.</summary>
    public static string FromSchedule(string scheduleName, string scheduledTime)
    {
        ArgumentNullException.ThrowIfNull(scheduleName);
        ArgumentNullException.ThrowIfNull(scheduledTime);
        return Truncated(scheduleName + "\n" + scheduledTime);
    }

    /// <summary>True for 32 lowercase hex characters; anything else cannot name a job (and answers 404, not 400).</summary>
    public static bool IsWellFormed(string? jobId)
    {
        if (jobId is not { Length: Length })
        {
            return false;
        }

        foreach (char c in jobId)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>1-128 characters of <c>[A-Za-z0-9._:-]</c>.</summary>
    public static bool IsValidIdempotencyKey(string? key)
    {
        if (key is not { Length: > 0 and <= MaxIdempotencyKeyLength })
        {
            return false;
        }

        foreach (char c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Truncated(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..Length];
}
