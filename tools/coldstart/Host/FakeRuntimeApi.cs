using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Patterns.Cdk.ColdStart;

/// <summary>
/// What the fake Runtime API saw of one process: when it first asked for an invocation, when it posted the outcome,
/// and that outcome. Timestamps are <see cref="Stopwatch.GetTimestamp"/> values.
/// </summary>
internal sealed class RunObservation(string requestId, byte[] payload)
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _delivered;

    public string RequestId { get; } = requestId;

    public byte[] Payload { get; } = payload;

    /// <summary>The first <c>GET /runtime/invocation/next</c> had been read completely; 0 until then.</summary>
    public long NextAt { get; private set; }

    /// <summary>The <c>/response</c>, <c>/error</c> or <c>/init/error</c> POST had been read completely (body included); 0 until then.</summary>
    public long DoneAt { get; private set; }

    /// <summary><c>response</c>, <c>error</c> or <c>init-error</c>.</summary>
    public string? Call { get; private set; }

    public string Body { get; private set; } = "";

    public Task Finished => _finished.Task;

    /// <summary>True for the first <c>/next</c> only: that one gets the invocation.</summary>
    public bool TryDeliver(long now)
    {
        if (Interlocked.Exchange(ref _delivered, 1) != 0)
        {
            return false;
        }

        NextAt = now;
        return true;
    }

    public void Finish(long now, string call, byte[] body)
    {
        if (DoneAt != 0)
        {
            return;
        }

        DoneAt = now;
        Call = call;
        Body = Encoding.UTF8.GetString(body);
        _finished.TrySetResult();
    }
}

/// <summary>
/// A minimal Lambda Runtime API (2018-06-01) on 127.0.0.1, speaking just enough HTTP/1.1 for the bootstrap's
/// HttpClient: <c>GET /runtime/invocation/next</c> hands out the current run's one invocation (a later <c>/next</c> is left
/// waiting, as Lambda does between invocations), <c>POST /runtime/invocation/{id}/response|error</c> and
/// <c>POST /runtime/init/error</c> end the run. Requests are timestamped once completely read, before answering.
/// </summary>
internal sealed class FakeRuntimeApi : IDisposable
{
    private const string Prefix = "/2018-06-01/runtime/";
    private static readonly byte[] Accepted = Encoding.ASCII.GetBytes("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n");
    private static readonly byte[] NotFound = Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private volatile RunObservation? _current;

    public FakeRuntimeApi()
    {
        _listener.Start(backlog: 16);
        Endpoint = "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        _ = AcceptAsync();
    }

    /// <summary>The value of <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The run the next requests belong to (one process at a time).</summary>
    public RunObservation Begin(string requestId, byte[] payload)
    {
        var run = new RunObservation(requestId, payload);
        _current = run;
        return run;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var reader = new RequestReader(socket);
            try
            {
                while (await reader.ReadAsync(_stop.Token) is { } request)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (!await AnswerAsync(socket, request, now))
                    {
                        // A second /next: Lambda would freeze the process here; the harness kills it instead.
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The process was killed, or the harness stops.
            }
        }
    }

    // False when the request is left unanswered.
    private async Task<bool> AnswerAsync(Socket socket, Request request, long now)
    {
        RunObservation? run = _current;
        string path = request.Path;
        if (run is null || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            await socket.SendAsync(NotFound);
            return true;
        }

        string route = path[Prefix.Length..];
        if (request.Method == "GET" && route == "invocation/next")
        {
            if (!run.TryDeliver(now))
            {
                return false;
            }

            long deadline = DateTimeOffset.UtcNow.AddMinutes(15).ToUnixTimeMilliseconds();
            string head = string.Create(CultureInfo.InvariantCulture,
                $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {run.RequestId}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:123456789012:function:coldstart\r\nLambda-Runtime-Trace-Id: Root=1-6777a1b0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=0\r\nContent-Length: {run.Payload.Length}\r\n\r\n");
            byte[] answer = [.. Encoding.ASCII.GetBytes(head), .. run.Payload];
            await socket.SendAsync(answer);
            return true;
        }

        string? call = request.Method != "POST" ? null
            : route == "init/error" ? "init-error"
            : route == $"invocation/{run.RequestId}/response" ? "response"
            : route == $"invocation/{run.RequestId}/error" ? "error"
            : null;
        if (call is null)
        {
            await socket.SendAsync(NotFound);
            return true;
        }

        run.Finish(now, call, request.Body);
        await socket.SendAsync(Accepted);
        return true;
    }

    private sealed record Request(string Method, string Path, byte[] Body);

    /// <summary>Reads HTTP/1.1 requests off one connection: request line, headers, and a Content-Length or chunked body.</summary>
    private sealed class RequestReader(Socket socket)
    {
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<Request?> ReadAsync(CancellationToken cancellation)
        {
            int headerEnd;
            while ((headerEnd = IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (!await FillAsync(cancellation))
                {
                    return null;
                }
            }

            string head = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
            _start = headerEnd + 4;
            string[] lines = head.Split("\r\n");
            string[] requestLine = lines[0].Split(' ');
            long contentLength = 0;
            bool chunked = false;
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = long.Parse(value, CultureInfo.InvariantCulture);
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
            }

            byte[] body = chunked ? await ReadChunkedAsync(cancellation) : await ReadExactlyAsync((int)contentLength, cancellation);
            return new Request(requestLine[0], requestLine[1], body);
        }

        private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellation)
        {
            using var body = new MemoryStream();
            while (true)
            {
                string sizeLine = Encoding.ASCII.GetString(await ReadLineAsync(cancellation));
                int size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, up to the empty line.
                    while ((await ReadLineAsync(cancellation)).Length > 0)
                    {
                    }

                    return body.ToArray();
                }

                body.Write(await ReadExactlyAsync(size, cancellation));
                await ReadLineAsync(cancellation);
            }
        }

        private async Task<byte[]> ReadLineAsync(CancellationToken cancellation)
        {
            int lineEnd;
            while ((lineEnd = IndexOf("\r\n"u8)) < 0)
            {
                if (!await FillAsync(cancellation))
                {
                    throw new IOException("connection closed inside a chunked body");
                }
            }

            byte[] line = _buffer[_start..lineEnd];
            _start = lineEnd + 2;
            return line;
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellation)
        {
            while (_end - _start < count)
            {
                if (!await FillAsync(cancellation))
                {
                    throw new IOException("connection closed inside a body");
                }
            }

            byte[] bytes = _buffer[_start..(_start + count)];
            _start += count;
            return bytes;
        }

        private int IndexOf(ReadOnlySpan<byte> value)
        {
            int at = _buffer.AsSpan(_start, _end - _start).IndexOf(value);
            return at < 0 ? -1 : _start + at;
        }

        private async Task<bool> FillAsync(CancellationToken cancellation)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellation);
            _end += read;
            return read > 0;
        }
    }
}
