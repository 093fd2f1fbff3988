using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Demo;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// A partner API on 127.0.0.1 (a free port), served by <see cref="HttpListener"/>: by default the demo partner's paging
/// (<see cref="DemoPartnerPages"/>: <c>GET /items</c> by page, offset or cursor), and, per request, whatever a test
/// scripts with <see cref="Script"/>: an error status (with <c>Retry-After</c>), a slow answer, malformed JSON, a huge
/// page streamed without end. Every request is recorded (time, path and query, headers), so tests count requests per
/// page and measure the waits between them. Loopback only; stops with <see cref="Dispose"/>.
/// </summary>
public sealed class FakePartner : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly DemoPartnerPages _pages;
    private readonly ConcurrentQueue<FakePartnerRequest> _requests = new();
    private readonly List<Func<FakePartnerRequest, FakePartnerBehavior?>> _scripts = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public FakePartner(int totalItems)
    {
        TotalItems = totalItems;
        _pages = new DemoPartnerPages(new DemoPartnerOptions(TotalItems: totalItems));
        int port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The items the partner serves in all.</summary>
    public int TotalItems { get; }

    /// <summary><c>http://127.0.0.1:{port}/</c>; the items are at <c>items</c>.</summary>
    public Uri BaseUrl { get; }

    public Uri ItemsUrl => new(BaseUrl, "items");

    public IReadOnlyList<FakePartnerRequest> Requests => [.. _requests];

    /// <summary>Requests whose query has <paramref name="name"/> = <paramref name="value"/> (a page's requests, for example).</summary>
    public IReadOnlyList<FakePartnerRequest> RequestsWith(string name, string value) =>
        Requests.Where(request => request.Query.TryGetValue(name, out string? v) && v == value).ToList();

    /// <summary>
    /// Adds a rule asked for every request, before the normal paging; the first rule that answers wins. A rule sees the
    /// request (with how many earlier requests had the same query) and returns a behaviour, or null to pass.
    /// </summary>
    public void Script(Func<FakePartnerRequest, FakePartnerBehavior?> rule)
    {
        lock (_scripts)
        {
            _scripts.Add(rule);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending GetContextAsync.
        }

        _stopping.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        HttpListenerRequest http = context.Request;
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string? name in http.QueryString.AllKeys)
        {
            if (name is not null)
            {
                query[name] = http.QueryString[name]!;
            }
        }

        var headers = http.Headers.AllKeys.Where(name => name is not null).ToDictionary(name => name!, name => http.Headers[name]!, StringComparer.OrdinalIgnoreCase);
        string queryText = http.Url!.Query;
        int earlier = _requests.Count(r => r.QueryString == queryText && r.Path == http.Url.AbsolutePath);
        var request = new FakePartnerRequest(_clock.Elapsed, http.HttpMethod, http.Url.AbsolutePath, queryText, query, headers, earlier + 1);
        _requests.Enqueue(request);
        HttpListenerResponse response = context.Response;
        try
        {
            FakePartnerBehavior behavior = Choose(request);
            if (behavior.Delay > TimeSpan.Zero)
            {
                await Task.Delay(behavior.Delay, _stopping.Token);
            }

            await behavior.WriteAsync(response, _pages, request, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client gave up (its timeout) or the server is stopping.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closed by the client.
            }
        }
    }

    private FakePartnerBehavior Choose(FakePartnerRequest request)
    {
        lock (_scripts)
        {
            foreach (Func<FakePartnerRequest, FakePartnerBehavior?> rule in _scripts)
            {
                if (rule(request) is { } behavior)
                {
                    return behavior;
                }
            }
        }

        return FakePartnerBehavior.Normal;
    }
}

/// <summary>A request as the fake partner received it. <see cref="Attempt"/> counts requests with the same path and query, this one included.</summary>
public sealed record FakePartnerRequest(
    TimeSpan At, string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, int Attempt);

/// <summary>How the fake partner answers one request.</summary>
public abstract record FakePartnerBehavior
{
    /// <summary>The demo paging.</summary>
    public static FakePartnerBehavior Normal { get; } = new Paged();

    /// <summary>Waits before answering (a slow partner).</summary>
    public TimeSpan Delay { get; init; }

    public static FakePartnerBehavior Status(int status, string? retryAfter = null) => new Error(status, retryAfter);

    public static FakePartnerBehavior Slow(TimeSpan delay) => new Paged { Delay = delay };

    /// <summary>A 200 whose body is cut in the middle of the JSON.</summary>
    public static FakePartnerBehavior Malformed { get; } = new Raw("""{"total":10,"items":[{"id":1},{"id":""");

    /// <summary>The connection dropped: after a 200's headers announcing a body, before any of it.</summary>
    public static FakePartnerBehavior Reset { get; } = new Dropped();

    /// <summary>The normal page, announced with its full Content-Length, the connection dropped after <paramref name="share"/> of the body.</summary>
    public static FakePartnerBehavior Cut(double share) => new CutPage(share);

    /// <summary>A 200 with a fixed body.</summary>
    public static FakePartnerBehavior Body(string json) => new Raw(json);

    /// <summary>A 200 streaming a valid JSON array of exactly <paramref name="bytes"/> bytes (at least 3) in 64 KiB chunks, with no Content-Length.</summary>
    public static FakePartnerBehavior Huge(long bytes) => new Streamed(bytes);

    internal abstract Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken);

    private static async Task WriteBodyAsync(HttpListenerResponse response, int status, string body, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, cancellationToken);
    }

    private sealed record Paged : FakePartnerBehavior
    {
        internal override Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken)
        {
            DemoAnswer answer = pages.Answer(request.Method, request.Path, request.Query, static () => 0.999999);
            foreach ((string name, string value) in answer.Headers.Where(header => header.Key != "Content-Type"))
            {
                response.Headers[name] = value;
            }

            return WriteBodyAsync(response, answer.StatusCode, answer.Body, cancellationToken);
        }
    }

    private sealed record Error(int Code, string? RetryAfter) : FakePartnerBehavior
    {
        internal override Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken)
        {
            if (RetryAfter is not null)
            {
                response.Headers["Retry-After"] = RetryAfter;
            }

            return WriteBodyAsync(response, Code, string.Create(CultureInfo.InvariantCulture, $$"""{"error":"status {{Code}}"}"""), cancellationToken);
        }
    }

    // HttpListener cannot drop a connection before the status line: Abort() then still answers an empty chunked 200.
    // So the status line and headers go out, announcing a body, and the connection drops before any of it.
    private sealed record Dropped : FakePartnerBehavior
    {
        internal override async Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken)
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            response.ContentLength64 = 1024;
            await response.OutputStream.FlushAsync(cancellationToken);
            response.Abort();
        }
    }

    private sealed record CutPage(double Share) : FakePartnerBehavior
    {
        internal override async Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken)
        {
            DemoAnswer answer = pages.Answer(request.Method, request.Path, request.Query, static () => 0.999999);
            byte[] bytes = Encoding.UTF8.GetBytes(answer.Body);
            response.StatusCode = answer.StatusCode;
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes.AsMemory(0, Math.Clamp((int)(bytes.Length * Share), 1, bytes.Length - 1)), cancellationToken);
            await response.OutputStream.FlushAsync(cancellationToken);
            response.Abort();
        }
    }

    private sealed record Raw(string Json) : FakePartnerBehavior
    {
        internal override Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken) =>
            WriteBodyAsync(response, 200, Json, cancellationToken);
    }

    private sealed record Streamed(long Bytes) : FakePartnerBehavior
    {
        internal override async Task WriteAsync(HttpListenerResponse response, DemoPartnerPages pages, FakePartnerRequest request, CancellationToken cancellationToken)
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            response.SendChunked = true;

            // [0,0,0,...,0]: a valid array of one-digit items, so only its size can make it unacceptable.
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = i % 2 == 0 ? (byte)'0' : (byte)',';
            }

            await response.OutputStream.WriteAsync("["u8.ToArray(), cancellationToken);
            long written = 1;
            while (written + chunk.Length + 1 < Bytes)
            {
                await response.OutputStream.WriteAsync(chunk, cancellationToken);
                written += chunk.Length;
            }

            // Exactly Bytes in all: the rest of the items (ending with a digit), then "]" (or " ]" to keep the length).
            int rest = (int)(Bytes - written - 1);
            bool endsWithDigit = rest % 2 == 1;
            await response.OutputStream.WriteAsync(chunk.AsMemory(0, endsWithDigit ? rest : rest - 1), cancellationToken);
            await response.OutputStream.WriteAsync(endsWithDigit ? "]"u8.ToArray() : " ]"u8.ToArray(), cancellationToken);
        }
    }
}
