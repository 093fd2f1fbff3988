using System.Collections.Concurrent;
using Amazon.Runtime;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>Why work happened: an original upload, a processed output written back, or an event a test injected.</summary>
public enum Cause
{
    /// <summary>Not inside any invocation (the test's own requests).</summary>
    None,

    /// <summary>Caused by an object the uploader wrote.</summary>
    Original,

    /// <summary>Caused by an object a function wrote (a processed output).</summary>
    Output,

    /// <summary>Caused by an event or message the test delivered directly.</summary>
    Injected,
}

/// <summary>
/// One HTTP request to an emulator. Caller: "uploader", or the logical id of the function whose client sent it.
/// Cause: why the invocation that sent it ran. Service: S3, SQS or DynamoDB. Verb: for S3 GET, HEAD, PUT, COPY, LIST,
/// DELETE...; for SQS and DynamoDB the API action (SendMessage, PutItem...). Bucket and Key: the S3 object, if any.
/// </summary>
public sealed record RequestRecord(string Caller, Cause Cause, string Service, string Verb, string? Bucket, string? Key);

/// <summary>
/// Counts every request the counted clients send, per caller, cause, service and verb. The cause is the one of the
/// invocation in progress (<see cref="Enter"/>), which flows with the async calls of the handler.
/// </summary>
public sealed class RequestCounter
{
    private readonly ConcurrentQueue<RequestRecord> _records = new();
    private readonly AsyncLocal<Cause> _cause = new();

    public IReadOnlyCollection<RequestRecord> Records => _records;

    public Cause CurrentCause => _cause.Value;

    /// <summary>Attributes the requests of the current async flow to <paramref name="cause"/> until disposed.</summary>
    public IDisposable Enter(Cause cause)
    {
        Cause previous = _cause.Value;
        _cause.Value = cause;
        return new Restore(() => _cause.Value = previous);
    }

    public void Record(string caller, string service, string verb, string? bucket = null, string? key = null) =>
        _records.Enqueue(new RequestRecord(caller, _cause.Value, service, verb, bucket, key));

    public int Count(Func<RequestRecord, bool> predicate) => _records.Count(predicate);

    /// <summary>Requests made by <paramref name="caller"/> (optionally only of one service / verb).</summary>
    public int By(string caller, string? service = null, string? verb = null) =>
        Count(r => r.Caller == caller && (service is null || r.Service == service) && (verb is null || r.Verb == verb));

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

/// <summary>Who a counted client belongs to, and the identity S3 records for its writes.</summary>
/// <param name="Caller">"uploader" or a function's logical id.</param>
/// <param name="PrincipalId">userIdentity.principalId S3 would put in notifications of this client's writes (e.g. <c>AWS:AROA...:function-name</c>).</param>
public sealed record ClientIdentity(string Caller, string PrincipalId);

/// <summary>
/// The HTTP pipeline of every counted SDK client: counts each request (<see cref="RequestCounter"/>, every attempt of
/// the SDK's retries), then the optional fault layer (<see cref="FaultInjector"/>), then, for S3, hands every object
/// creation the emulator stored to the <see cref="S3NotificationEmulator"/> so it can emit the event S3 would (below the
/// fault layer: a write applied before an injected "after" failure still notifies, as on S3), then the emulator.
/// </summary>
public sealed class CountingHandler : DelegatingHandler
{
    private readonly ClientIdentity _identity;
    private readonly string _service;
    private readonly RequestCounter _counter;

    public CountingHandler(ClientIdentity identity, string service, RequestCounter counter, S3NotificationEmulator? notifications)
        : this(identity, service, counter, notifications, null)
    {
    }

    public CountingHandler(ClientIdentity identity, string service, RequestCounter counter, S3NotificationEmulator? notifications, FaultInjector? faults)
        : base(Inner(identity, service, notifications, faults))
    {
        _identity = identity;
        _service = service;
        _counter = counter;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        S3Request? s3 = _service == "S3" ? S3Request.From(request) : null;
        _counter.Record(_identity.Caller, _service, s3?.Verb ?? FaultResponses.ActionOf(_service, request), s3?.Bucket, s3?.Key);
        return base.SendAsync(request, cancellationToken);
    }

    private static HttpMessageHandler Inner(ClientIdentity identity, string service, S3NotificationEmulator? notifications, FaultInjector? faults)
    {
        HttpMessageHandler emulator = new HttpClientHandler();
        if (service == "S3" && notifications is not null)
        {
            emulator = new NotifyingHandler(identity, notifications) { InnerHandler = emulator };
        }

        return faults is null ? emulator : faults.CreateHandler(identity.Caller, service, emulator);
    }

    /// <summary>Every object creation the emulator answered with success becomes S3's notification.</summary>
    private sealed class NotifyingHandler(ClientIdentity identity, S3NotificationEmulator notifications) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            S3Request s3 = S3Request.From(request);
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (s3.IsObjectCreation && response.IsSuccessStatusCode)
            {
                await notifications.OnObjectCreatedAsync(identity, s3, request, response);
            }

            return response;
        }
    }
}

/// <summary>A path-style S3 request: its verb, bucket and (decoded) key.</summary>
public sealed record S3Request(string Verb, string? Bucket, string? Key)
{
    public bool IsObjectCreation => Verb is "PUT" or "COPY";

    public static S3Request From(HttpRequestMessage request)
    {
        // Path style: /bucket/key, the key percent-encoded by the SDK.
        string path = request.RequestUri!.AbsolutePath.TrimStart('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string? bucket = path.Length == 0 ? null : Uri.UnescapeDataString(slash < 0 ? path : path[..slash]);
        string? key = slash < 0 || slash == path.Length - 1 ? null : Uri.UnescapeDataString(path[(slash + 1)..]);
        string query = request.RequestUri.Query;
        string verb = request.Method.Method switch
        {
            "GET" when key is null => "LIST",
            "GET" => "GET",
            "HEAD" => key is null ? "HEAD_BUCKET" : "HEAD",
            "PUT" when key is null => "CREATE_BUCKET",
            "PUT" when query.Contains("partNumber=", StringComparison.Ordinal) => "UPLOAD_PART",
            "PUT" when request.Headers.Contains("x-amz-copy-source") => "COPY",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            string other => other,
        };
        return new S3Request(verb, bucket, key);
    }

    /// <summary>The Content-Type a request carries (a header of the content, or of the request when it has no body).</summary>
    public static string? ContentType(HttpRequestMessage request) =>
        request.Content?.Headers.ContentType?.ToString()
        ?? (request.Headers.TryGetValues("Content-Type", out IEnumerable<string>? values) ? values.FirstOrDefault() : null);

    /// <summary>The user metadata (<c>x-amz-meta-*</c>, lower case, without the prefix) a request carries.</summary>
    public static Dictionary<string, string> UserMetadata(HttpRequestMessage request)
    {
        IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers = request.Headers;
        if (request.Content is not null)
        {
            headers = headers.Concat(request.Content.Headers);
        }

        return headers
            .Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-amz-meta-".Length..].ToLowerInvariant(), h => string.Join(",", h.Value));
    }
}

/// <summary>Gives an SDK client an HttpClient whose pipeline is a <see cref="CountingHandler"/> (with a fault layer, when it has one).</summary>
public sealed class CountingHttpClientFactory(Func<CountingHandler> createHandler) : HttpClientFactory
{
    private readonly Lazy<HttpClient> _client = new(() => new HttpClient(createHandler()));

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client.Value;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
}
