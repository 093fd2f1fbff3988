using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.FaceBlurPipeline;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>A DetectFaces request the fake received: the object it names, and the outcome of the signature check.</summary>
public sealed record DetectFacesCall(string Bucket, string Key, string? Version, ReceivedRequest Request, SigV4Credential? Credential, IReadOnlyList<string> Problems);

/// <summary>How the fake answers for one object: given the 1-based number of the request for that object, a status and a JSON body.</summary>
public delegate (int Status, string Body) RekognitionScript(int attempt);

/// <summary>
/// A local stand-in for the Rekognition endpoint: an <see cref="HttpListener"/> on 127.0.0.1 at a free port, started and
/// stopped by xunit as a class fixture. Every request must be a SigV4-signed <c>RekognitionService.DetectFaces</c> call
/// (verified with <see cref="SigV4Verifier"/>: format, credential scope for <c>rekognition</c>, <c>host</c>,
/// <c>x-amz-date</c>, <c>x-amz-target</c> and the session token among the signed headers, signature recomputed); a request
/// that is not is answered 403 <c>InvalidSignatureException</c> and recorded. Valid requests are answered by the script
/// registered for their bucket and key (<see cref="On"/>), and without one with "no faces".
/// </summary>
public sealed class FakeRekognition : IAsyncLifetime, IDisposable
{
    public const string AccessKey = "ASIAFAKEREKOGNITION1";
    public const string SecretKey = "fake/Rekognition+Secret/Key0123456789abcd";
    public const string SessionToken = "FwoGZXIvYXdzEFAKESESSIONTOKEN//////////";
    public const string Region = "us-east-1";

    /// <summary>
    /// The detector the worker's Lambda constructor would build, but with this fake's credentials and the default
    /// retry policy's shape (4 attempts, doubling, full jitter) shortened to millisecond waits so the tests stay fast.
    /// </summary>
    /// <param name="http">The HTTP client of the stand-in.</param>
    /// <param name="settings">The worker's settings (the endpoint override, the confidence threshold).</param>
    /// <param name="log">Where retries are logged.</param>
    /// <param name="attemptTimeout">One attempt's timeout; the default policy's 10 s when null (a conservation run shortens it so injected timeouts cost little).</param>
    public static RekognitionFaceDetector Detector(HttpClient http, FaceBlurSettings settings, JsonLog log, TimeSpan? attemptTimeout = null)
    {
        DetectionRetryPolicy retry = DetectionRetryPolicy.Default with { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(40) };
        if (attemptTimeout is { } timeout)
        {
            retry = retry with { AttemptTimeout = timeout };
        }

        var transport = new AwsStandInTransport(
            http,
            () => new SessionAWSCredentials(AccessKey, SecretKey, SessionToken),
            AmazonRekognitionClientStandIn.ServiceName,
            Region,
            AwsEndpoints.Resolve("rekognition", Region, settings.RekognitionEndpoint),
            TimeProvider.System);
        return new RekognitionFaceDetector(
            new AmazonRekognitionClientStandIn(transport, retry.AttemptTimeout),
            new FaceDetectorOptions { MinFaceConfidence = settings.MinFaceConfidence, Retry = retry },
            log);
    }

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, RekognitionScript> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DetectFacesCall> _calls = new();
    private readonly ConcurrentDictionary<string, string> _lastAnswers = new(StringComparer.Ordinal);
    private Task? _loop;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<DetectFacesCall> Calls => _calls;

    /// <summary>
    /// The fault layer for this endpoint (service <see cref="FaultService"/>), or null for none. Each verified request
    /// draws from it in arrival order, like the SDK clients' requests: throttling (400 <c>ThrottlingException</c> or
    /// <c>ProvisionedThroughputExceededException</c>), 500 <c>InternalServerError</c>, 503 <c>ServiceUnavailableException</c>
    /// (also inside an outage window), a connection reset (no answer), a timeout (the answer comes after
    /// <see cref="TimeoutDelay"/>, once the client gave up), a cut body (half the time the connection drops mid-body, half
    /// the time a well-formed 200 whose JSON stops in the middle), and latency.
    /// </summary>
    public FaultInjector? Faults { get; set; }

    /// <summary>How long a request drawn as <see cref="FaultKind.Timeout"/> hangs before the fake answers (longer than the client's attempt timeout).</summary>
    public TimeSpan TimeoutDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The service name of this endpoint's requests in <see cref="Faults"/>.</summary>
    public const string FaultService = "Rekognition";

    /// <summary>The answer the script gave for each bucket/key most recently with status 200 (the faces the worker was told about).</summary>
    public IReadOnlyDictionary<string, string> LastAnswers => _lastAnswers;

    public Task InitializeAsync()
    {
        int port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();

    /// <summary>Answers DetectFaces for <paramref name="bucket"/>/<paramref name="key"/> with <paramref name="script"/>.</summary>
    public void On(string bucket, string key, RekognitionScript script) => _scripts[bucket + "/" + key] = script;

    public IReadOnlyList<DetectFacesCall> CallsFor(string bucket) => _calls.Where(c => c.Bucket == bucket).ToList();

    public static RekognitionScript Faces(params (double Left, double Top, double Width, double Height)[] boxes) => _ => (200, FacesJson(boxes));

    public static RekognitionScript NoFaces => _ => (200, """{"FaceDetails":[],"OrientationCorrection":"ROTATE_0"}""");

    /// <summary>400 <paramref name="errorCode"/> for the first <paramref name="times"/> requests, then <paramref name="then"/>.</summary>
    public static RekognitionScript FailFirst(int times, string errorCode, RekognitionScript then) =>
        attempt => attempt <= times ? (400, ErrorJson(errorCode, "Rate exceeded")) : then(attempt);

    public static RekognitionScript Always(int status, string errorCode) => _ => (status, ErrorJson(errorCode, $"{errorCode} from the fake"));

    private static string ErrorJson(string type, string message) => new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString();

    private static string FacesJson((double Left, double Top, double Width, double Height)[] boxes) =>
        new JsonObject
        {
            ["FaceDetails"] = new JsonArray(boxes.Select(b => (JsonNode)new JsonObject
            {
                ["BoundingBox"] = new JsonObject { ["Width"] = b.Width, ["Height"] = b.Height, ["Left"] = b.Left, ["Top"] = b.Top },
                ["Confidence"] = 99.9,
            }).ToArray()),
            ["OrientationCorrection"] = "ROTATE_0",
        }.ToJsonString();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            ReceivedRequest request = await ReadAsync(context.Request);
            (int status, string body, InjectedFault? fault, double detail) = Answer(request);
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            switch (fault?.Kind)
            {
                case FaultKind.ConnectionReset:
                    // HttpListener cannot drop a connection before the status line (Abort() alone still answers an
                    // empty chunked 200): the headers go out announcing a body, and the connection drops before it.
                    context.Response.StatusCode = 200;
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.FlushAsync();
                    context.Response.Abort();
                    return;
                case FaultKind.Timeout:
                    await Task.Delay(TimeoutDelay);
                    break;
                case FaultKind.TruncatedBody when detail < 0.5:
                    // The connection drops in the middle of the body it announced.
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "application/x-amz-json-1.1";
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                    await context.Response.OutputStream.FlushAsync();
                    context.Response.Abort();
                    return;
                case FaultKind.TruncatedBody:
                    // A complete HTTP answer whose JSON stops in the middle.
                    bytes = bytes[..(bytes.Length / 2)];
                    break;
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/x-amz-json-1.1";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away.
        }
    }

    private (int Status, string Body, InjectedFault? Fault, double Detail) Answer(ReceivedRequest request)
    {
        var problems = SigV4Verifier.Verify(request, "rekognition", k => k == AccessKey ? SecretKey : null, "x-amz-target", "x-amz-security-token");
        SigV4Credential? credential = SigV4Verifier.Parse(request.Header("Authorization"));
        if (credential is not null && credential.Region != Region)
        {
            problems.Add($"credential scope region {credential.Region}, expected {Region}");
        }

        if (request.Header("X-Amz-Security-Token") != SessionToken)
        {
            problems.Add("the session token is missing or wrong");
        }

        if (request.Method != "POST" || request.Path != "/")
        {
            problems.Add($"expected POST /, got {request.Method} {request.Path}");
        }

        if (request.Header("X-Amz-Target") != "RekognitionService.DetectFaces")
        {
            problems.Add($"X-Amz-Target is '{request.Header("X-Amz-Target")}'");
        }

        if (request.Header("Content-Type") != "application/x-amz-json-1.1")
        {
            problems.Add($"Content-Type is '{request.Header("Content-Type")}'");
        }

        (string bucket, string key, string? version) = ("", "", null);
        try
        {
            JsonNode body = JsonNode.Parse(request.Body)!;
            JsonNode s3Object = body["Image"]!["S3Object"]!;
            (bucket, key, version) = ((string)s3Object["Bucket"]!, (string)s3Object["Name"]!, (string?)s3Object["Version"]);
            if (body["Attributes"]?.ToJsonString() != "[\"DEFAULT\"]")
            {
                problems.Add($"Attributes is {body["Attributes"]?.ToJsonString()}");
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            problems.Add($"the body is not a DetectFaces request: {e.Message}");
        }

        _calls.Enqueue(new DetectFacesCall(bucket, key, version, request, credential, problems));
        if (problems.Count > 0)
        {
            return (403, ErrorJson("InvalidSignatureException", string.Join("; ", problems)), null, 0);
        }

        (InjectedFault? latency, InjectedFault? fault, double detail) = Faults?.Next("WorkerFunction", FaultService, "DetectFaces") ?? (null, null, 0);
        if (latency is not null)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(1 + (detail * Math.Max(0, Faults!.Plan.MaxLatency.TotalMilliseconds - 1))));
        }

        switch (fault?.Kind)
        {
            case FaultKind.Throttling:
                return (400, ErrorJson(detail < 0.5 ? "ThrottlingException" : "ProvisionedThroughputExceededException", "Rate exceeded"), fault, detail);
            case FaultKind.Http500:
                return (500, ErrorJson("InternalServerError", "Internal server error"), fault, detail);
            case FaultKind.Http503 or FaultKind.Outage:
                return (503, ErrorJson("ServiceUnavailableException", "Service unavailable"), fault, detail);
        }

        int attempt = _attempts.AddOrUpdate(bucket + "/" + key, 1, (_, n) => n + 1);
        (int status, string answer) = _scripts.TryGetValue(bucket + "/" + key, out RekognitionScript? script) ? script(attempt) : NoFaces(attempt);
        if (status == 200 && fault is null)
        {
            _lastAnswers[bucket + "/" + key] = answer;
        }

        return (status, answer, fault, detail);
    }

    private static async Task<ReceivedRequest> ReadAsync(HttpListenerRequest request)
    {
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string? name in request.Headers.AllKeys)
        {
            if (name is not null && request.Headers[name] is { } value)
            {
                headers[name] = value;
            }
        }

        return new ReceivedRequest(request.HttpMethod, request.Url!.AbsolutePath, request.Url.Query, headers, body.ToArray());
    }
}
