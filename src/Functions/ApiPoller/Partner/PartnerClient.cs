using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Partner;

/// <summary>
/// Requests pages from one partner source, politely: every attempt waits its turn at the <see cref="RequestPacer"/>,
/// has its own timeout covering the whole response (headers and body), and carries the source's auth header.
/// Server errors, timeouts and network errors are retried with exponential backoff and full jitter; a 429 waits what its
/// <c>Retry-After</c> asks, within the source's bound; any other 4xx, a redirect, malformed JSON or an oversized page
/// fails at once. Every failure is classified (<see cref="FetchFailure"/>). The auth header's value is never logged nor
/// put in an exception; neither is the query string (job parameters) nor response contents.
/// </summary>
internal sealed class PartnerClient
{
    private readonly HttpClient _http;
    private readonly PartnerClientSettings _settings;
    private readonly RequestPacer _pacer;
    private readonly PartnerTiming _timing;
    private readonly JsonLog _log;

    /// <param name="http">Sends the requests; must not follow redirects (see <see cref="CreateHttpClient"/>). Not disposed here.</param>
    /// <param name="settings">The source's timeout, politeness and auth.</param>
    /// <param name="timing">Clock, waits and jitter.</param>
    /// <param name="log">Where retries are logged (failure codes and waits only).</param>
    public PartnerClient(HttpClient http, PartnerClientSettings settings, PartnerTiming timing, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(log);
        settings.Retry.Validate();
        _http = http;
        _settings = settings;
        _timing = timing;
        _log = log;
        _pacer = new RequestPacer(settings.RequestsPerSecond, settings.MaxConcurrency, timing.Clock, timing.Delay);
    }

    /// <summary>Requests made so far, retries included (for the measurements in the tests and the logs).</summary>
    public int RequestCount { get; private set; }

    /// <summary>
    /// The HTTP client of the handlers: pooled connections recycled every few minutes (DNS changes), redirects never
    /// followed, gzip/deflate/brotli accepted (the page limit counts decompressed bytes), no overall timeout (each attempt
    /// has its own).
    /// </summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Requests <paramref name="uri"/> until a 2xx response whose body <paramref name="readBody"/> accepts, or a failure
    /// that is not retried, or the last attempt.
    /// </summary>
    /// <param name="uri">The page URL (built by <c>PageUrlBuilder</c>).</param>
    /// <param name="readBody">Consumes the body stream within the attempt's timeout; throws <see cref="PageRejectedException"/> to reject it.
    /// Its second argument is the declared Content-Length, when the response has one.</param>
    /// <param name="deadline">No attempt starts that could not finish before it (null: no time box).</param>
    /// <param name="cancellationToken">Cancels the whole fetch.</param>
    /// <exception cref="PartnerFetchException">The page could not be fetched; <see cref="PartnerFetchException.Failure"/> says why.</exception>
    /// <exception cref="OutOfTimeException">The time box ends before another attempt could finish.</exception>
    public async Task<T> FetchAsync<T>(Uri uri, Func<Stream, long?, CancellationToken, Task<T>> readBody, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(readBody);
        PartnerRetryPolicy retry = _settings.Retry;
        TimeSpan wait = TimeSpan.Zero;
        for (int attempt = 1; ; attempt++)
        {
            EnsureTimeFor(wait, deadline, attempt);
            if (wait > TimeSpan.Zero)
            {
                await _timing.Delay(wait, cancellationToken);
            }

            await _pacer.WaitTurnAsync(cancellationToken);
            (T? result, FetchFailure? failure, TimeSpan? retryAfter) = await AttemptAsync(uri, readBody, cancellationToken);
            if (failure is null)
            {
                return result!;
            }

            if (!failure.Retryable || attempt >= retry.MaxAttempts)
            {
                throw new PartnerFetchException(failure, attempt);
            }

            TimeSpan? next = failure.Kind == FailureKind.Throttled
                ? retry.ThrottledWait(retryAfter, attempt, _timing.Random())
                : retry.Backoff(attempt, _timing.Random());
            if (next is not { } delay)
            {
                throw new PartnerFetchException(
                    failure with { Detail = string.Create(CultureInfo.InvariantCulture, $"{failure.Detail}; Retry-After {retryAfter!.Value.TotalSeconds:0} s exceeds maxRetryAfterSeconds {retry.MaxRetryAfter.TotalSeconds:0}") },
                    attempt);
            }

            _log.Warn(
                "partner request failed; retrying",
                ("failure", failure.Code),
                ("attempt", attempt),
                ("maxAttempts", retry.MaxAttempts),
                ("delayMs", (long)delay.TotalMilliseconds),
                ("retryAfterMs", retryAfter is { } asked ? (long)asked.TotalMilliseconds : -1));
            wait = delay;
        }
    }

    private void EnsureTimeFor(TimeSpan wait, DateTimeOffset? deadline, int attempt)
    {
        if (deadline is { } end && _timing.Clock.GetUtcNow() + wait + _settings.RequestTimeout > end)
        {
            throw new OutOfTimeException(string.Create(
                CultureInfo.InvariantCulture,
                $"attempt {attempt} (after a wait of {wait.TotalMilliseconds:0} ms, timeout {_settings.RequestTimeout.TotalSeconds:0.#} s) would end after the time box"));
        }
    }

    private async Task<(T? Result, FetchFailure? Failure, TimeSpan? RetryAfter)> AttemptAsync<T>(
        Uri uri, Func<Stream, long?, CancellationToken, Task<T>> readBody, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_settings.RequestTimeout, _timing.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_settings.AuthHeaderValue is { } secret)
        {
            request.Headers.TryAddWithoutValidation(_settings.AuthHeaderName, secret);
        }

        RequestCount++;
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            int status = (int)response.StatusCode;
            if (status is >= 200 and <= 299)
            {
                await using Stream body = await response.Content.ReadAsStreamAsync(linked.Token);
                T result = await readBody(body, response.Content.Headers.ContentLength, linked.Token);
                return (result, null, null);
            }

            TimeSpan? retryAfter = status is 429 or 503
                ? RetryAfter.Parse(response.Headers.TryGetValues("Retry-After", out IEnumerable<string>? values) ? values.FirstOrDefault() : null, _timing.Clock.GetUtcNow())
                : null;
            return (default, FetchFailure.ForStatus(status, string.Create(CultureInfo.InvariantCulture, $"the partner answered HTTP {status}")), retryAfter);
        }
        catch (PageRejectedException e)
        {
            return (default, e.Failure, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (default, new FetchFailure(FailureKind.Timeout, null, string.Create(CultureInfo.InvariantCulture, $"no complete response within {_settings.RequestTimeout.TotalSeconds:0.#} s")), null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The message names the socket error ("Connection refused"), never the request.
            string reason = e is HttpRequestException { HttpRequestError: var error } && error != HttpRequestError.Unknown ? error.ToString() : e.GetType().Name;
            return (default, new FetchFailure(FailureKind.NetworkError, null, $"the connection failed ({reason})"), null);
        }
    }
}

/// <summary>What a <see cref="PartnerClient"/> needs from a source (see <c>PartnerClientSettings.For</c>).</summary>
internal sealed record PartnerClientSettings
{
    public required TimeSpan RequestTimeout { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required int MaxConcurrency { get; init; }

    public required PartnerRetryPolicy Retry { get; init; }

    public string AuthHeaderName { get; init; } = "Authorization";

    /// <summary>The secret header value; null when the source needs no auth. Never logged (the record's ToString hides it).</summary>
    public string? AuthHeaderValue { get; init; }

    // A record prints every member: keep the secret out of any accidental log line or exception message.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"RequestTimeout = {RequestTimeout}, RequestsPerSecond = {RequestsPerSecond}, MaxConcurrency = {MaxConcurrency}, Retry = {Retry}, AuthHeaderName = {AuthHeaderName}, AuthHeaderValue = {(AuthHeaderValue is null ? "(none)" : "***")}");
        return true;
    }
}
