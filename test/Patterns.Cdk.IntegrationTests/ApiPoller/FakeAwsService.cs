using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Patterns.Cdk.IntegrationTests.FaceBlur;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// A local AWS JSON endpoint for the stand-in clients (Secrets Manager, Lambda Invoke): an <see cref="HttpListener"/> on
/// 127.0.0.1 that records every request with the outcome of its SigV4 check (<see cref="SigV4Verifier"/>) and answers
/// with the next scripted response.
/// </summary>
public sealed class FakeAwsService : IDisposable
{
    public const string AccessKey = "ASIAFAKEAPIPOLLER001";
    public const string SecretKey = "fake/ApiPoller+Secret/Key0123456789abcdef";
    public const string SessionToken = "FwoGZXIvYXdzEFAKEAPIPOLLERTOKEN//////////";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(int Status, string Body, (string Name, string Value)[] Headers)> _script = new();
    private readonly string _service;
    private readonly Task _loop;

    public FakeAwsService(string service)
    {
        _service = service;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>Each request with the signature problems found (none when valid).</summary>
    public ConcurrentQueue<(ReceivedRequest Request, IReadOnlyList<string> Problems)> Requests { get; } = new();

    public FakeAwsService Then(int status, string body, params (string Name, string Value)[] headers)
    {
        _script.Enqueue((status, body, headers));
        return this;
    }

    public void Dispose()
    {
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

    /// <summary>SigV4's canonical URI for every service but S3: each path segment URI-encoded once more.</summary>
    private static string CanonicalPath(string rawPath) =>
        string.Join('/', rawPath.Split('/').Select(Uri.EscapeDataString));

    private async Task ServeAsync()
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

            HttpListenerRequest http = context.Request;
            using var body = new MemoryStream();
            await http.InputStream.CopyToAsync(body);
            var headers = http.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => http.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            string rawPath = http.Url!.AbsolutePath;
            var received = new ReceivedRequest(http.HttpMethod, rawPath, http.Url.Query.TrimStart('?'), headers, body.ToArray());
            List<string> problems = SigV4Verifier.Verify(
                received with { Path = CanonicalPath(http.RawUrl!.Split('?')[0]) },
                _service,
                key => key == AccessKey ? SecretKey : null,
                "x-amz-security-token");
            Requests.Enqueue((received with { Path = http.RawUrl!.Split('?')[0] }, problems));
            (int status, string text, (string Name, string Value)[] extra) = problems.Count > 0
                ? (403, """{"__type":"InvalidSignatureException"}""", [])
                : _script.TryDequeue(out var next) ? next : (500, """{"__type":"ServiceException"}""", []);
            foreach ((string name, string value) in extra)
            {
                context.Response.Headers[name] = value;
            }

            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
