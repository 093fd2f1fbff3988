using System.Globalization;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// Reads an HTTP <c>Retry-After</c> header (RFC 9110 §10.2.3): either delay-seconds (<c>120</c>) or an HTTP-date
/// (<c>Wed, 21 Oct 2015 07:28:00 GMT</c>, also the obsolete RFC 850 and asctime forms).
/// </summary>
internal static class RetryAfter
{
    private static readonly string[] HttpDateFormats =
    [
        "r", // RFC 1123: ddd, dd MMM yyyy HH:mm:ss GMT
        "dddd, dd-MMM-yy HH:mm:ss 'GMT'", // RFC 850
        "ddd MMM d HH:mm:ss yyyy", // asctime
    ];

    /// <summary>The wait the header asks for, relative to <paramref name="now"/>; zero for a date in the past; null when absent or unreadable.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string text = value.Trim();
        if (text.All(char.IsAsciiDigit))
        {
            // Seconds; an absurdly long number saturates (the caller bounds the wait anyway).
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds <= int.MaxValue
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.FromSeconds(int.MaxValue);
        }

        if (DateTimeOffset.TryParseExact(text, HttpDateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out DateTimeOffset date))
        {
            TimeSpan wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
