using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

/// <summary>One invocation taken from <c>/runtime/invocation/next</c>: its context and its payload.</summary>
internal sealed class Invocation(LambdaInvocationContext context, Stream payload) : IDisposable
{
    public LambdaInvocationContext Context { get; } = context;

    public Stream Payload { get; } = payload;

    public void Dispose() => Payload.Dispose();
}

/// <summary>
/// The HTTP client of the Lambda Runtime API (version 2018-06-01) on <c>AWS_LAMBDA_RUNTIME_API</c>. One connection,
/// kept open; no request timeout (the execution environment is frozen between invocations).
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _next;
    private readonly Uri _initError;
    private readonly string _invocationBase;

    // Reused for every payload: the body of /next is copied here once, so a handler can read it as a MemoryStream
    // (LambdaJson parses it in place) without a new buffer per invocation.
    private readonly MemoryStream _payload = new();

    public RuntimeApiClient(string endpoint)
    {
        var root = new Uri($"http://{endpoint}/2018-06-01/runtime/");
        _next = new Uri(root, "invocation/next");
        _initError = new Uri(root, "init/error");
        _invocationBase = root + "invocation/";
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Invocation> NextAsync(CancellationToken cancellation)
    {
        using HttpResponseMessage response = await _http.GetAsync(_next, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {_next.AbsolutePath} answered HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        string requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new HttpRequestException("GET /runtime/invocation/next answered without Lambda-Runtime-Aws-Request-Id");
        long deadline = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.None, CultureInfo.InvariantCulture, out long ms) ? ms : long.MaxValue;
        var context = new LambdaInvocationContext(requestId, deadline,
            Header(response, "Lambda-Runtime-Invoked-Function-Arn"), Header(response, "Lambda-Runtime-Trace-Id"));

        _payload.SetLength(0);
        await response.Content.CopyToAsync(_payload, cancellation);
        _payload.Position = 0;
        return new Invocation(context, new ReusedPayload(_payload));
    }

    /// <summary>Posts the handler's output; a failure reading that output is returned (it is the handler's error), not thrown.</summary>
    public async Task<(HttpStatusCode Status, Exception? OutputFailure)> PostResponseAsync(string requestId, Stream output, CancellationToken cancellation)
    {
        using var content = new HandlerOutputContent(output);
        try
        {
            using HttpResponseMessage response = await _http.PostAsync(InvocationUri(requestId, "response"), content, cancellation);
            return (response.StatusCode, null);
        }
        catch (HttpRequestException) when (content.ReadFailure is { } failure)
        {
            return (default, failure);
        }
    }

    public async Task PostErrorAsync(string requestId, ErrorReport error, CancellationToken cancellation) =>
        await PostErrorAsync(InvocationUri(requestId, "error"), error, cancellation);

    public Task PostInitErrorAsync(ErrorReport error, CancellationToken cancellation) =>
        PostErrorAsync(_initError, error, cancellation);

    public void Dispose()
    {
        _http.Dispose();
        _payload.Dispose();
    }

    private async Task PostErrorAsync(Uri uri, ErrorReport error, CancellationToken cancellation)
    {
        using var content = new ByteArrayContent(error.ToJson());
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.ErrorType);
        using HttpResponseMessage response = await _http.SendAsync(request, cancellation);
    }

    private Uri InvocationUri(string requestId, string what) =>
        new(_invocationBase + Uri.EscapeDataString(requestId) + "/" + what);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}

/// <summary>
/// The body of <c>/response</c>: the handler's stream, copied as it is read (its length is sent when it is seekable). A
/// failure reading it is remembered, so the loop reports the handler's exception instead of a lost Runtime API.
/// </summary>
internal sealed class HandlerOutputContent(Stream output) : HttpContent
{
    private const int BufferSize = 64 * 1024;

    public Exception? ReadFailure { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await output.ReadAsync(buffer, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ReadFailure = e;
                    throw;
                }

                if (read == 0)
                {
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = output.CanSeek ? output.Length - output.Position : 0;
        return output.CanSeek;
    }
}

/// <summary>
/// The reused payload buffer as the handler sees it: readable, seekable, exposes its buffer to LambdaJson, and its
/// disposal by a handler does not dispose the shared buffer.
/// </summary>
internal sealed class ReusedPayload : MemoryStream
{
    public ReusedPayload(MemoryStream shared)
        : base(shared.GetBuffer(), 0, (int)shared.Length, writable: false, publiclyVisible: true)
    {
    }
}
