using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// One job parameter a source accepts (an element of a source's <c>parameters</c>). A value is a string, at most
/// <see cref="MaxLength"/> characters, and when <see cref="Pattern"/> is set the WHOLE value must match it.
/// Validated values are passed to the partner as query-string parameters.
/// </summary>
internal sealed record SourceParameter
{
    public const int DefaultMaxLength = 256;

    /// <summary>Bounds pattern matching: a pattern is configuration, a value is caller input, and together they must not stall the API.</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private Regex? _matcher;

    public required string Name { get; init; }

    /// <summary>.NET regular expression the whole value must match; null accepts any value up to <see cref="MaxLength"/>.</summary>
    public string? Pattern { get; init; }

    public int MaxLength { get; init; } = DefaultMaxLength;

    public bool Required { get; init; }

    /// <summary>True when <paramref name="value"/> matches <see cref="Pattern"/> as a whole (always true without a pattern).</summary>
    /// <exception cref="RegexMatchTimeoutException">The match took too long; the caller treats the value as not matching.</exception>
    public bool Matches(string value) => Matcher() is not { } matcher || matcher.IsMatch(value);

    /// <summary>Null when the pattern is absent; throws <see cref="ArgumentException"/> when it does not compile.</summary>
    internal Regex? Matcher() =>
        Pattern is null
            ? null
            : _matcher ??= new Regex(@"\A(?:" + Pattern + @")\z", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, MatchTimeout);
}
