using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>An <see cref="HttpListener"/> on 127.0.0.1 and a free port; each request is served on its own task.</summary>
public abstract class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    protected LoopbackServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/");
        }

        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Exceptions the server itself threw while serving (a harness bug, never a handler's answer).</summary>
    public List<Exception> ServerErrors { get; } = [];

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Closed under a pending GetContextAsync.
        }
    }

    protected abstract Task ServeAsync(HttpListenerContext context);

    protected static async Task<byte[]> ReadBodyAsync(HttpListenerRequest request)
    {
        using var buffer = request.ContentLength64 > 0 ? new MemoryStream((int)request.ContentLength64) : new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    protected static async Task WriteAsync(HttpListenerResponse response, int status, string? contentType, ReadOnlyMemory<byte> body)
    {
        response.StatusCode = status;
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        response.ContentLength64 = body.Length;
        if (body.Length > 0)
        {
            await response.OutputStream.WriteAsync(body);
        }

        response.Close();
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

            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(context);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
                {
                    // The caller went away (a cancelled upload, say).
                }
                catch (Exception e)
                {
                    lock (ServerErrors)
                    {
                        ServerErrors.Add(e);
                    }

                    try
                    {
                        context.Response.StatusCode = 500;
                        context.Response.Close();
                    }
                    catch (Exception closing) when (closing is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        // Already sent.
                    }
                }
            });
        }
    }
}
