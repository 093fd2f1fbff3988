using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Functions.ApiPoller.Demo;

/// <summary>Settings of the demo partner (env <c>DEMO_TOTAL_ITEMS</c>, <c>DEMO_SEED</c>, <c>DEMO_MAX_DELAY_MS</c>, <c>DEMO_ERROR_RATE</c>).</summary>
/// <param name="TotalItems">Items the partner holds (0 or more).</param>
/// <param name="Seed">Makes the item values differ between deployments, the same from request to request.</param>
/// <param name="MaxDelayMs">Each answer waits a random time up to this.</param>
/// <param name="ErrorRate">Share of requests (0..1) answered with a 500 or a 429 with <c>Retry-After</c>, half each.</param>
internal sealed record DemoPartnerOptions(int TotalItems = 1000, int Seed = 42, int MaxDelayMs = 0, double ErrorRate = 0)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>The <c>Retry-After</c> of a demo 429, in seconds.</summary>
    public const int RetryAfterSeconds = 1;
}

/// <summary>An answer of the demo partner, and how long to wait before giving it.</summary>
internal sealed record DemoAnswer(int StatusCode, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers, TimeSpan Delay);

/// <summary>
/// The demo partner's paging, without any hosting (used by the <c>DemoPartner</c> Lambda and by the tests' fake partner):
/// <c>GET /items</c> serves deterministic items <c>{"id","name","value"}</c> by page number (<c>page</c> from 1,
/// <c>pageSize</c>), by offset (<c>offset</c>, <c>limit</c>) or by cursor (<c>cursor</c>; no parameter at all starts at
/// the first item). Every page is <c>{"total": n, "items": [...], "next": "cursor"|null}</c>: <c>total</c> counts items,
/// <c>next</c> is the cursor of the following items (null on the last page). Randomness (delays, errors) comes from the
/// caller's random source, so tests can script it.
/// </summary>
internal sealed class DemoPartnerPages(DemoPartnerOptions options)
{
    public const string ItemsPath = "/items";
    private const string CursorPrefix = "o";

    public DemoPartnerOptions Options { get; } = options;

    /// <param name="method">HTTP method.</param>
    /// <param name="path">URL path.</param>
    /// <param name="query">Query parameters (decoded).</param>
    /// <param name="random">A uniform random number in [0, 1), asked for the delay and for the error draw.</param>
    public DemoAnswer Answer(string method, string path, IReadOnlyDictionary<string, string> query, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(random);
        var delay = TimeSpan.FromMilliseconds(Math.Floor(random() * Options.MaxDelayMs));
        if (!string.Equals(path, ItemsPath, StringComparison.Ordinal))
        {
            return Error(404, "NotFound", $"no resource at this path; try GET {ItemsPath}", delay);
        }

        if (!string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            return Error(405, "MethodNotAllowed", "only GET is served", delay);
        }

        double draw = random();
        if (draw < Options.ErrorRate)
        {
            return draw < Options.ErrorRate / 2
                ? Error(500, "InternalError", "a simulated partner failure", delay)
                : Error(429, "TooManyRequests", "a simulated throttle", delay, KeyValuePair.Create("Retry-After", DemoPartnerOptions.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));
        }

        if (!TryReadWindow(query, out long offset, out int size, out string? problem))
        {
            return Error(400, "BadRequest", problem!, delay);
        }

        return new DemoAnswer(200, Page(offset, size), [new("Content-Type", "application/json")], delay);
    }

    /// <summary>The cursor of the page that starts at <paramref name="offset"/>.</summary>
    public static string CursorFor(long offset) => CursorPrefix + offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>The body of the page of <paramref name="size"/> items starting at item <paramref name="offset"/> (0-based).</summary>
    public string Page(long offset, int size)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (size * 48));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            long end = Math.Min(Options.TotalItems, offset + size);
            writer.WriteStartObject();
            writer.WriteNumber("total", Options.TotalItems);
            writer.WriteStartArray("items");
            for (long i = offset; i < end; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", i + 1);
                writer.WriteString("name", string.Create(CultureInfo.InvariantCulture, $"item-{i + 1:D6}"));
                writer.WriteNumber("value", ValueOf(i));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (end < Options.TotalItems)
            {
                writer.WriteString("next", CursorFor(end));
            }
            else
            {
                writer.WriteNull("next");
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // A deterministic value per (seed, item): a multiplicative hash, nothing secret.
    private long ValueOf(long index) => (long)(((ulong)(index + 1) * 2654435761UL) ^ (ulong)Options.Seed) % 100_000;

    private static bool TryReadWindow(IReadOnlyDictionary<string, string> query, out long offset, out int size, out string? problem)
    {
        offset = 0;
        size = DemoPartnerOptions.DefaultPageSize;
        problem = null;
        if (query.TryGetValue("cursor", out string? cursor) && cursor.Length > 0)
        {
            if (!cursor.StartsWith(CursorPrefix, StringComparison.Ordinal) || !TryNumber(cursor[CursorPrefix.Length..], out offset))
            {
                problem = "the cursor is not one this partner gave";
                return false;
            }

            return TrySize(query, "pageSize", ref size, ref problem);
        }

        if (query.TryGetValue("offset", out string? offsetText))
        {
            if (!TryNumber(offsetText, out offset))
            {
                problem = "offset must be a whole number >= 0";
                return false;
            }

            return TrySize(query, "limit", ref size, ref problem);
        }

        if (query.TryGetValue("page", out string? pageText))
        {
            if (!TryNumber(pageText, out long page) || page < 1)
            {
                problem = "page must be a whole number >= 1";
                return false;
            }

            if (!TrySize(query, "pageSize", ref size, ref problem))
            {
                return false;
            }

            offset = (page - 1) * size;
            return true;
        }

        return TrySize(query, "pageSize", ref size, ref problem);
    }

    private static bool TrySize(IReadOnlyDictionary<string, string> query, string name, ref int size, ref string? problem)
    {
        if (!query.TryGetValue(name, out string? text))
        {
            return true;
        }

        if (TryNumber(text, out long value) && value is >= 1 and <= DemoPartnerOptions.MaxPageSize)
        {
            size = (int)value;
            return true;
        }

        problem = $"{name} must be a whole number from 1 to {DemoPartnerOptions.MaxPageSize}";
        return false;
    }

    private static bool TryNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= int.MaxValue * 1000L;

    private static DemoAnswer Error(int status, string code, string message, TimeSpan delay, params KeyValuePair<string, string>[] extraHeaders)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return new DemoAnswer(status, Encoding.UTF8.GetString(buffer.WrittenSpan), [new("Content-Type", "application/json"), .. extraHeaders], delay);
    }
}
