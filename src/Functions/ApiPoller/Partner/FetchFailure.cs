using System.Globalization;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>What went wrong with a page request, as recorded per page (<c>f{page}</c> on the progress item).</summary>
internal enum FailureKind
{
    /// <summary>A 4xx other than 429: the request itself is wrong (not found, forbidden...). Never retried.</summary>
    ClientError,

    /// <summary>429, after the retries, or with a Retry-After longer than the source accepts to wait.</summary>
    Throttled,

    /// <summary>A 5xx, after the retries.</summary>
    ServerError,

    /// <summary>No complete response within the source's request timeout, after the retries.</summary>
    Timeout,

    /// <summary>The connection failed or broke mid-response, after the retries.</summary>
    NetworkError,

    /// <summary>The response is not one well-formed JSON value (or its total/cursor field has the wrong type). Never retried.</summary>
    MalformedJson,

    /// <summary>The response is larger than the source's <c>maxPageBytes</c>. Never retried.</summary>
    PageTooLarge,

    /// <summary>A status the poller does not follow (1xx, 3xx: redirects are never followed, a redirect could lead anywhere). Never retried.</summary>
    UnexpectedStatus,
}

/// <summary>
/// A classified failure of one page request. <see cref="Code"/> is what the progress table records, for example
/// <c>ClientError:404</c>, <c>ServerError:503</c>, <c>Throttled</c>, <c>Timeout</c>. <see cref="Detail"/> is a short
/// explanation for logs: it never holds response contents, request headers or secrets.
/// </summary>
internal sealed record FetchFailure(FailureKind Kind, int? StatusCode, string Detail)
{
    public string Code => Kind switch
    {
        FailureKind.ClientError or FailureKind.ServerError or FailureKind.UnexpectedStatus when StatusCode is { } status =>
            string.Create(CultureInfo.InvariantCulture, $"{Kind}:{status}"),
        _ => Kind.ToString(),
    };

    /// <summary>Whether another attempt may succeed: server errors, throttling, timeouts and network errors.</summary>
    public bool Retryable => Kind is FailureKind.ServerError or FailureKind.Throttled or FailureKind.Timeout or FailureKind.NetworkError;

    public static FetchFailure ForStatus(int status, string detail) => status switch
    {
        429 => new FetchFailure(FailureKind.Throttled, status, detail),
        >= 500 and <= 599 => new FetchFailure(FailureKind.ServerError, status, detail),
        >= 400 and <= 499 => new FetchFailure(FailureKind.ClientError, status, detail),
        _ => new FetchFailure(FailureKind.UnexpectedStatus, status, detail),
    };

    public override string ToString() => $"{Code}: {Detail}";
}

/// <summary>
/// A page could not be fetched: the request failed in a way that is not retried, or every attempt failed.
/// The message is the failure's code and detail: never a URL with its query, a header or response contents.
/// </summary>
internal sealed class PartnerFetchException : Exception
{
    public PartnerFetchException(FetchFailure failure, int attempts)
        : base(string.Create(CultureInfo.InvariantCulture, $"{failure} (after {attempts} attempt{(attempts == 1 ? "" : "s")})"))
    {
        Failure = failure;
        Attempts = attempts;
    }

    public FetchFailure Failure { get; }

    public int Attempts { get; }
}

/// <summary>
/// The page was not fetched because the invocation's time box would end before the next attempt could finish
/// (a retry wait plus the request timeout). The page is not failed: the fetcher hands it back as remaining.
/// </summary>
internal sealed class OutOfTimeException(string message) : Exception(message);
