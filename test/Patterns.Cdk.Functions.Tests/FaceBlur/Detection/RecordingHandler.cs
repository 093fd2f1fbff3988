using System.Net;
using System.Text;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Detection;

/// <summary>A request as it left the client: method, URI, every header (request and content) and the body bytes.</summary>
internal sealed record SentRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name, out string? value) ? value : throw new KeyNotFoundException($"No header {name}; sent: {string.Join(", ", Headers.Keys)}");
}

/// <summary>An <see cref="HttpMessageHandler"/> that records each request and answers with the next scripted response.</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<CancellationToken, Task<HttpResponseMessage>>> _script = new();

    public List<SentRequest> Requests { get; } = [];

    /// <summary>Answers every request not otherwise scripted.</summary>
    public Func<HttpResponseMessage>? Fallback { get; set; }

    public RecordingHandler Then(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        _script.Enqueue(_ => Task.FromResult(Response(status, json, headers)));
        return this;
    }

    public RecordingHandler ThenError(string type, string message, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        Then(status, $$"""{"__type":"{{type}}","message":"{{message}}"}""");

    public RecordingHandler ThenThrow(Exception exception)
    {
        _script.Enqueue(_ => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    /// <summary>Never answers: the client's own timeout must end the attempt.</summary>
    public RecordingHandler ThenHang()
    {
        _script.Enqueue(async cancellationToken =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    public static HttpResponseMessage Response(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") };
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = string.Join(",", header.Value);
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key] = string.Join(",", header.Value);
            }
        }

        if (request.Headers.Host is { } host)
        {
            headers["Host"] = host;
        }

        Requests.Add(new SentRequest(request.Method, request.RequestUri!, headers, body));
        if (_script.TryDequeue(out var next))
        {
            return await next(cancellationToken);
        }

        return Fallback?.Invoke() ?? throw new InvalidOperationException($"Unscripted request #{Requests.Count}.");
    }
}
