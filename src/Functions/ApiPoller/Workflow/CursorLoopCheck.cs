using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Workflow;

/// <summary>
/// Remembers which cursors a Cursor job's partner has returned, so that a partner that never ends (it returns a cursor
/// it already returned, or cycles through several) is caught instead of being fetched until <c>maxPages</c>.
/// It travels with the cursor state (<c>$.cursor.loopCheck</c>) from call to call and across ContinueAsNew, so its size is
/// fixed whatever the job's length (at most about 1 KB of JSON; the state's limit is 256 KB):
/// <list type="bullet">
/// <item><see cref="Recent"/>: the last <see cref="RecentCapacity"/> cursors (hashed): a repeat within them is found on the
/// page that returns it.</item>
/// <item>Brent's cycle check: one <see cref="Anchor"/> cursor, moved to the newest one each time the distance since it
/// reaches <see cref="Power"/>, which then doubles. A partner that names each next page by its cursor repeats its cycle
/// forever once it returns a cursor twice, so a cycle of any longer period P after T other pages is found by page
/// 2 x (T + P) + P at the latest (the anchor is inside the cycle, with a power of at least P, by page 2 x (T + P)).</item>
/// </list>
/// A match is a cursor that was returned before: never a false alarm, up to a 64-bit hash collision (SHA-256, first 8 bytes).
/// </summary>
internal sealed record CursorLoopCheck
{
    public const int RecentCapacity = 32;

    /// <summary>The last cursors, oldest first, as <c>{page}:{hash}</c> (the page that returned the cursor).</summary>
    [JsonPropertyName("recent")]
    public required IReadOnlyList<string> Recent { get; init; }

    /// <summary>The Brent anchor, <c>{page}:{hash}</c>; null before the first cursor.</summary>
    [JsonPropertyName("anchor")]
    public string? Anchor { get; init; }

    /// <summary>The distance after which the anchor moves (1, 2, 4, ...).</summary>
    [JsonPropertyName("power")]
    public required long Power { get; init; }

    /// <summary>Cursors since the anchor.</summary>
    [JsonPropertyName("steps")]
    public required long Steps { get; init; }

    public static CursorLoopCheck Empty { get; } = new() { Recent = [], Anchor = null, Power = 1, Steps = 0 };

    /// <summary>Adds the cursor returned by <paramref name="page"/>.</summary>
    /// <returns>The new state, and the earlier page that returned the same cursor (null when the cursor is new).</returns>
    public (CursorLoopCheck Next, int? RepeatOf) Observe(int page, string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        string hash = Hash(cursor);
        foreach (string entry in Recent)
        {
            if (HashOf(entry) == hash)
            {
                return (this, PageOf(entry));
            }
        }

        if (Anchor is { } anchor && HashOf(anchor) == hash)
        {
            return (this, PageOf(anchor));
        }

        string entryNow = string.Create(CultureInfo.InvariantCulture, $"{page}:{hash}");
        IReadOnlyList<string> recent = Recent.Count < RecentCapacity ? [.. Recent, entryNow] : [.. Recent.Skip(Recent.Count - RecentCapacity + 1), entryNow];
        long steps = Steps + 1;
        CursorLoopCheck next = steps >= Power
            ? new CursorLoopCheck { Recent = recent, Anchor = entryNow, Power = checked(Power * 2), Steps = 0 }
            : new CursorLoopCheck { Recent = recent, Anchor = Anchor, Power = Power, Steps = steps };
        return (next, null);
    }

    private static string Hash(string cursor)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(cursor), digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    private static string HashOf(string entry) => entry[(entry.IndexOf(':', StringComparison.Ordinal) + 1)..];

    // 0 when a hand-edited state has no page: the repeat is still a repeat.
    private static int PageOf(string entry) =>
        int.TryParse(entry.AsSpan(0, Math.Max(entry.IndexOf(':', StringComparison.Ordinal), 0)), NumberStyles.None, CultureInfo.InvariantCulture, out int page) ? page : 0;
}
