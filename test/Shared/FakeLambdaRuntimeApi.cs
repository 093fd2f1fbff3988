using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Testing;

/// <summary>
/// A small fake of the Lambda Runtime API (version 2018-06-01) on 127.0.0.1, for the runtime loop's tests (in-process)
/// and the bootstrap protocol tests (the real arm64 executables under qemu). Linked into both test projects.
/// <list type="bullet">
/// <item><c>GET /2018-06-01/runtime/invocation/next</c> serves the queued invocations in order, with the headers
/// <c>Lambda-Runtime-Aws-Request-Id</c>, <c>-Deadline-Ms</c>, <c>-Invoked-Function-Arn</c> and <c>-Trace-Id</c>; it
/// blocks while the queue is empty, as Lambda does (the loop is frozen there).</item>
/// <item><c>POST .../invocation/{id}/response</c>, <c>.../{id}/error</c> and <c>/2018-06-01/runtime/init/error</c> are
/// answered 202 (or the status an invocation asks for) and recorded.</item>
/// </list>
/// Every call is recorded (<see cref="Calls"/>) with its headers and body; tests await them with
/// <see cref="WaitForAsync"/>, <see cref="OutcomeAsync"/> and <see cref="InitErrorAsync"/>.
/// </summary>
public sealed class FakeLambdaRuntimeApi : IDisposable
{
    /// <summary>The path prefix of every Runtime API call.</summary>
    public const string Root = "/2018-06-01/runtime/";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<FakeInvocation> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly ConcurrentDictionary<string, FakeInvocation> _served = new(StringComparer.Ordinal);
    private readonly List<RuntimeApiCall> _calls = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _requestIds;
    private int _disposed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeLambdaRuntimeApi()
    {
        // A free port: bind port 0, read it, release it, then listen on it (HttpListener cannot bind port 0 itself).
        for (int attempt = 1; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            try
            {
                _listener.Start();
                Address = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Someone else took the port in between: try another one.
            }
        }

        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>The value of <c>AWS_LAMBDA_RUNTIME_API</c>: <c>127.0.0.1:port</c>.</summary>
    public string Address { get; }

    /// <summary>Every call so far, in arrival order.</summary>
    public IReadOnlyList<RuntimeApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>What <c>/next</c> answers once the queue is empty and <see cref="EndWhenDrained"/> is set (default: it blocks).</summary>
    public bool EndWhenDrained { get; set; }

    /// <summary>Queues an invocation with a UTF-8 payload; returns its request id.</summary>
    public string Enqueue(string payload, string? traceId = null) =>
        Enqueue(new FakeInvocation { Payload = Encoding.UTF8.GetBytes(payload), TraceId = traceId });

    /// <summary>Queues an invocation; returns its request id (a generated one when it has none).</summary>
    public string Enqueue(FakeInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        string requestId = invocation.RequestId ?? $"req-{Interlocked.Increment(ref _requestIds).ToString("D4", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        _queue.Enqueue(invocation with { RequestId = requestId });
        _queued.Release();
        return requestId;
    }

    /// <summary>The first call that matches, waiting for it up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No such call in time; the message lists the calls that came.</exception>
    public async Task<RuntimeApiCall> WaitForAsync(Func<RuntimeApiCall, bool> match, TimeSpan timeout, string what = "the expected Runtime API call")
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_calls.FirstOrDefault(match) is { } call)
                {
                    return call;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No {what} within {timeout.TotalSeconds:0.#} s. Calls so far:{Environment.NewLine}{Describe()}");
            }
        }
    }

    /// <summary>The <c>/response</c> or <c>/error</c> of the invocation <paramref name="requestId"/>.</summary>
    public Task<RuntimeApiCall> OutcomeAsync(string requestId, TimeSpan timeout) =>
        WaitForAsync(c => c.RequestId == requestId && c.Kind is RuntimeApiCallKind.Response or RuntimeApiCallKind.Error, timeout, $"/response or /error for {requestId}");

    /// <summary>The <c>/init/error</c> call.</summary>
    public Task<RuntimeApiCall> InitErrorAsync(TimeSpan timeout) =>
        WaitForAsync(c => c.Kind == RuntimeApiCallKind.InitError, timeout, "/init/error");

    /// <summary>The calls so far, one a line, for failure messages.</summary>
    public string Describe()
    {
        IReadOnlyList<RuntimeApiCall> calls = Calls;
        return calls.Count == 0 ? "  (none)" : string.Join(Environment.NewLine, calls.Select(c => "  " + c));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Closed under a pending GetContextAsync.
        }

        _stopping.Dispose();
        _queued.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
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

            // Each call on its own: /next may block while the loop's other connection posts a response.
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            HttpListenerRequest http = context.Request;
            using var body = new MemoryStream();
            await http.InputStream.CopyToAsync(body);
            string path = http.Url!.AbsolutePath;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string? name in http.Headers.AllKeys)
            {
                if (name is not null)
                {
                    headers[name] = http.Headers[name]!;
                }
            }

            (RuntimeApiCallKind kind, string? requestId) = Classify(http.HttpMethod, path);
            Record(new RuntimeApiCall(http.HttpMethod, path, kind, requestId, headers, body.ToArray()));
            switch (kind)
            {
                case RuntimeApiCallKind.Next:
                    await ServeNextAsync(context.Response);
                    break;
                case RuntimeApiCallKind.Response:
                    int status = requestId is not null && _served.TryGetValue(requestId, out FakeInvocation? invocation) ? invocation.ResponseStatus : 202;
                    Answer(context.Response, status, status == 202 ? """{"status":"OK"}""" : """{"errorMessage":"refused by the fake","errorType":"RequestEntityTooLarge"}""");
                    break;
                case RuntimeApiCallKind.Error:
                case RuntimeApiCallKind.InitError:
                    Answer(context.Response, 202, """{"status":"OK"}""");
                    break;
                default:
                    Answer(context.Response, 404, """{"errorMessage":"not a Runtime API path","errorType":"NotFound"}""");
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The client went away, or the fake is being disposed.
            context.Response.Abort();
        }
    }

    private async Task ServeNextAsync(HttpListenerResponse response)
    {
        FakeInvocation? invocation;
        while (true)
        {
            if (_queue.TryDequeue(out invocation))
            {
                break;
            }

            if (EndWhenDrained)
            {
                // Lambda never does this; it stands for the sandbox going away.
                Answer(response, 500, """{"errorMessage":"the fake Runtime API has no more invocations","errorType":"Gone"}""");
                return;
            }

            // Woken by Enqueue (the count may be a stale one; the loop checks the queue again).
            await _queued.WaitAsync(TimeSpan.FromMilliseconds(200), _stopping.Token);
        }

        string requestId = invocation.RequestId!;
        _served[requestId] = invocation;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers["Lambda-Runtime-Aws-Request-Id"] = requestId;
        response.Headers["Lambda-Runtime-Deadline-Ms"] = (invocation.DeadlineUnixMilliseconds ?? DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds()).ToString(CultureInfo.InvariantCulture);
        response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.InvokedFunctionArn;
        if (invocation.TraceId is not null)
        {
            response.Headers["Lambda-Runtime-Trace-Id"] = invocation.TraceId;
        }

        if (invocation.TruncateBody)
        {
            // Announce the whole payload, send half of it, and drop the connection: the Runtime API going away mid-body.
            response.ContentLength64 = invocation.Payload.Length;
            await response.OutputStream.WriteAsync(invocation.Payload.AsMemory(0, invocation.Payload.Length / 2));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        response.ContentLength64 = invocation.Payload.Length;
        await response.OutputStream.WriteAsync(invocation.Payload);
        response.Close();
    }

    private static void Answer(HttpListenerResponse response, int status, string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    private static (RuntimeApiCallKind Kind, string? RequestId) Classify(string method, string path)
    {
        if (!path.StartsWith(Root, StringComparison.Ordinal))
        {
            return (RuntimeApiCallKind.Unknown, null);
        }

        string rest = path[Root.Length..];
        if (method == "GET" && rest == "invocation/next")
        {
            return (RuntimeApiCallKind.Next, null);
        }

        if (method == "POST" && rest == "init/error")
        {
            return (RuntimeApiCallKind.InitError, null);
        }

        string[] parts = rest.Split('/');
        if (method == "POST" && parts is ["invocation", { Length: > 0 } id, "response" or "error"])
        {
            return (parts[2] == "response" ? RuntimeApiCallKind.Response : RuntimeApiCallKind.Error, Uri.UnescapeDataString(id));
        }

        return (RuntimeApiCallKind.Unknown, null);
    }

    private void Record(RuntimeApiCall call)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _calls.Add(call);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }
}

/// <summary>One invocation the fake serves on <c>/next</c>.</summary>
public sealed record FakeInvocation
{
    /// <summary>The request id; generated when null.</summary>
    public string? RequestId { get; init; }

    /// <summary>The event, as Lambda passes it to the function.</summary>
    public byte[] Payload { get; init; } = [];

    /// <summary><c>Lambda-Runtime-Deadline-Ms</c>; a minute from now when null.</summary>
    public long? DeadlineUnixMilliseconds { get; init; }

    /// <summary><c>Lambda-Runtime-Invoked-Function-Arn</c>.</summary>
    public string InvokedFunctionArn { get; init; } = "arn:aws:lambda:eu-west-1:111122223333:function:fake";

    /// <summary><c>Lambda-Runtime-Trace-Id</c>; not sent when null.</summary>
    public string? TraceId { get; init; }

    /// <summary>The status <c>/response</c> answers for this invocation (413 when the response is too large).</summary>
    public int ResponseStatus { get; init; } = 202;

    /// <summary>Send half the payload and drop the connection.</summary>
    public bool TruncateBody { get; init; }
}

/// <summary>What a Runtime API call was.</summary>
public enum RuntimeApiCallKind
{
    Unknown,
    Next,
    Response,
    Error,
    InitError,
}

/// <summary>One recorded Runtime API call.</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="Path">The URL path.</param>
/// <param name="Kind">Which call it is.</param>
/// <param name="RequestId">The invocation of a <c>/response</c> or <c>/error</c>.</param>
/// <param name="Headers">The request headers (case-insensitive names).</param>
/// <param name="Body">The request body.</param>
public sealed record RuntimeApiCall(string Method, string Path, RuntimeApiCallKind Kind, string? RequestId, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary><c>Lambda-Runtime-Function-Error-Type</c>, or null.</summary>
    public string? ErrorTypeHeader => Headers.TryGetValue("Lambda-Runtime-Function-Error-Type", out string? value) ? value : null;

    /// <summary>The body parsed as JSON (an error report, a handler's JSON response).</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    /// <summary><c>errorType</c> of an error body.</summary>
    public string? ErrorType => Json().GetProperty("errorType").GetString();

    /// <summary><c>errorMessage</c> of an error body.</summary>
    public string? ErrorMessage => Json().GetProperty("errorMessage").GetString();

    public override string ToString()
    {
        string text = Text;
        return $"{Method} {Path}{(ErrorTypeHeader is { } type ? $" [{type}]" : "")} {(text.Length > 400 ? text[..400] + "..." : text)}";
    }
}
