using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>What the fault layer did to one request.</summary>
public enum FaultKind
{
    /// <summary>Added latency, then the request went through unchanged (not a failure).</summary>
    Latency,

    /// <summary>HTTP 500 in the service's own error shape (S3 XML <c>InternalError</c>, JSON <c>InternalFailure</c> / <c>InternalServerError</c>).</summary>
    Http500,

    /// <summary>HTTP 503 in the service's own error shape (<c>ServiceUnavailable</c>).</summary>
    Http503,

    /// <summary>The service's throttling error: S3 503 <c>SlowDown</c>; SQS 400 <c>RequestThrottled</c> / <c>ThrottlingException</c>; DynamoDB 400 <c>ProvisionedThroughputExceededException</c> / <c>ThrottlingException</c>.</summary>
    Throttling,

    /// <summary>The connection reset by the peer: the exception SocketsHttpHandler throws (HttpRequestException over IOException over SocketException ConnectionReset).</summary>
    ConnectionReset,

    /// <summary>The request timed out: the exception HttpClient throws when its Timeout elapses (TaskCanceledException over TimeoutException).</summary>
    Timeout,

    /// <summary>The real response, its body cut after some bytes: reading it throws HttpIOException(ResponseEnded), as SocketsHttpHandler does.</summary>
    TruncatedBody,

    /// <summary>A request inside an outage window of its service: HTTP 503 <c>ServiceUnavailable</c>, before the emulator.</summary>
    Outage,
}

/// <summary>When a failure happens relative to the emulator.</summary>
public enum FaultPhase
{
    /// <summary>The request never reached the emulator.</summary>
    Before,

    /// <summary>The emulator applied the request (a write is stored, an S3 write notifies), then the caller saw the failure.</summary>
    After,
}

/// <summary>One fault the layer injected. <paramref name="Ordinal"/> is the request's number among all requests the injector saw (from 1).</summary>
public sealed record InjectedFault(long Ordinal, string Caller, string Service, string Action, FaultKind Kind, FaultPhase Phase);

/// <summary>A stretch during which every request of <paramref name="Service"/> fails (503 before the emulator): its requests number <paramref name="FirstRequest"/> to <paramref name="FirstRequest"/> + <paramref name="Requests"/> - 1, counted from 1 over the requests of that service the plan applies to.</summary>
public sealed record FaultOutage(string Service, int FirstRequest, int Requests);

/// <summary>
/// What to inject. <see cref="Rate"/> is the probability that a request fails (one of <see cref="FailureKinds"/>, by
/// <see cref="Weights"/>); <see cref="LatencyRate"/> the independent probability that it is delayed first. Of the kinds
/// that can happen after the emulator applied the request (500, connection reset, timeout; a cut body always does),
/// <see cref="AfterShare"/> do. <see cref="Applies"/> chooses the requests (by caller and service); by default every
/// caller but the test's "uploader".
/// </summary>
public sealed record FaultPlan
{
    /// <summary>The failure kinds drawn from (Latency and Outage are not drawn: see <see cref="LatencyRate"/> and <see cref="Outages"/>).</summary>
    public static readonly IReadOnlyList<FaultKind> FailureKinds =
        [FaultKind.Http500, FaultKind.Http503, FaultKind.Throttling, FaultKind.ConnectionReset, FaultKind.Timeout, FaultKind.TruncatedBody];

    public double Rate { get; init; } = 0.1;

    public double LatencyRate { get; init; } = 0.05;

    /// <summary>Latency added by <see cref="FaultKind.Latency"/>: uniform between 1 ms and this.</summary>
    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a request hangs before it times out (kept short: the simulation compresses time).</summary>
    public TimeSpan TimeoutAfter { get; init; } = TimeSpan.FromMilliseconds(5);

    public double AfterShare { get; init; } = 0.5;

    /// <summary>Relative weights of <see cref="FailureKinds"/>; a kind missing here has weight 0. Null: all equal.</summary>
    public IReadOnlyDictionary<FaultKind, double>? Weights { get; init; }

    public IReadOnlyList<FaultOutage> Outages { get; init; } = [];

    /// <summary>Whether requests of a caller ("uploader" or a function's logical id) to a service (S3, SQS, DynamoDB) may be faulted.</summary>
    public Func<string, string, bool> Applies { get; init; } = (caller, _) => caller != "uploader";

    /// <summary>A plan that injects only <paramref name="kind"/> (in <paramref name="phase"/>) on every request: for tests of one kind.</summary>
    public static FaultPlan Always(FaultKind kind, FaultPhase phase = FaultPhase.Before) => kind == FaultKind.Latency
        ? new FaultPlan { Rate = 0, LatencyRate = 1, Applies = (_, _) => true }
        : new FaultPlan
        {
            Rate = 1,
            LatencyRate = 0,
            AfterShare = phase == FaultPhase.After ? 1 : 0,
            Weights = new Dictionary<FaultKind, double> { [kind] = 1 },
            Applies = (_, _) => true,
        };
}

/// <summary>
/// The fault-injecting layer of the harness: decides, per request and from one seeded <see cref="System.Random"/>,
/// whether and how the request fails, and counts what it injected by kind, phase and service. It sits in each counted
/// SDK client's HTTP pipeline (<see cref="CountingHandler"/>: count, then faults, then S3 notifications, then the
/// emulator), so an "after" fault leaves the emulator's state (and S3's notification) as if the response was lost on
/// the way back. Requests are numbered in the order they arrive: the same seed gives the same faults to the same
/// sequence of requests (the simulation runs invocations one at a time, so a run replays).
/// </summary>
public sealed class FaultInjector
{
    private readonly object _lock = new();
    private readonly Random _random;
    private readonly List<InjectedFault> _injected = [];
    private readonly Dictionary<string, int> _requestsByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _eligibleByService = new(StringComparer.Ordinal);
    private long _requests;

    public FaultInjector(int seed, FaultPlan plan)
    {
        Seed = seed;
        Plan = plan;
        _random = new Random(seed);
    }

    public int Seed { get; }

    public FaultPlan Plan { get; }

    /// <summary>Off: requests pass untouched and draw nothing (e.g. while a test inspects the end state). On by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every request the layer saw (faulted or not) while enabled.</summary>
    public long Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests;
            }
        }
    }

    public IReadOnlyList<InjectedFault> Injected
    {
        get
        {
            lock (_lock)
            {
                return _injected.ToList();
            }
        }
    }

    /// <summary>Requests the plan applies to (the ones that may be faulted), while enabled.</summary>
    public long EligibleRequests
    {
        get
        {
            lock (_lock)
            {
                return _eligibleByService.Values.Sum();
            }
        }
    }

    /// <summary>Requests seen per service while enabled.</summary>
    public IReadOnlyDictionary<string, int> RequestsByService
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, int>(_requestsByService);
            }
        }
    }

    /// <summary>Injected faults, optionally of one kind, service and phase.</summary>
    public int Count(FaultKind? kind = null, string? service = null, FaultPhase? phase = null) =>
        Injected.Count(f => (kind is null || f.Kind == kind) && (service is null || f.Service == service) && (phase is null || f.Phase == phase));

    /// <summary>Failures injected (every kind but latency).</summary>
    public int Failures => Injected.Count(f => f.Kind != FaultKind.Latency);

    /// <summary>
    /// Whether the failures injected are at least what <see cref="FaultPlan.Rate"/> promises on the faultable requests,
    /// allowing three standard deviations of sampling noise (so a run cannot pass with the layer silently off).
    /// </summary>
    public bool InjectedAtLeastThePlannedRate(out string explanation)
    {
        double expected = Plan.Rate * EligibleRequests;
        double floor = expected - (3 * Math.Sqrt(expected * (1 - Plan.Rate)));
        int failures = Failures;
        explanation = $"{failures} failures on {EligibleRequests} faultable requests; the plan's rate {Plan.Rate.ToString(CultureInfo.InvariantCulture)} expects {expected:0} (at least {floor:0})";
        return failures >= floor;
    }

    /// <summary>The HTTP layer for one client (caller, service) over <paramref name="inner"/>.</summary>
    public DelegatingHandler CreateHandler(string caller, string service, HttpMessageHandler inner) =>
        new FaultInjectingHandler(this, caller, service) { InnerHandler = inner };

    /// <summary>The faults for the next request, drawn in arrival order (also records them).</summary>
    internal (InjectedFault? Latency, InjectedFault? Failure, double Draw) Next(string caller, string service, string action)
    {
        lock (_lock)
        {
            if (!Enabled)
            {
                return (null, null, 0);
            }

            long ordinal = ++_requests;
            _requestsByService[service] = _requestsByService.GetValueOrDefault(service) + 1;
            if (!Plan.Applies(caller, service))
            {
                return (null, null, 0);
            }

            int eligible = _eligibleByService[service] = _eligibleByService.GetValueOrDefault(service) + 1;

            // Always the same five draws per request, so a change of rates or weights does not shift every later decision.
            double latencyDraw = _random.NextDouble();
            double failureDraw = _random.NextDouble();
            double kindDraw = _random.NextDouble();
            double phaseDraw = _random.NextDouble();
            double detailDraw = _random.NextDouble();

            InjectedFault? latency = latencyDraw < Plan.LatencyRate
                ? Record(new InjectedFault(ordinal, caller, service, action, FaultKind.Latency, FaultPhase.Before))
                : null;
            if (Plan.Outages.Any(o => o.Service == service && eligible >= o.FirstRequest && eligible < o.FirstRequest + o.Requests))
            {
                return (latency, Record(new InjectedFault(ordinal, caller, service, action, FaultKind.Outage, FaultPhase.Before)), detailDraw);
            }

            if (failureDraw >= Plan.Rate)
            {
                return (latency, null, detailDraw);
            }

            FaultKind kind = PickKind(kindDraw);
            FaultPhase phase = kind switch
            {
                FaultKind.TruncatedBody => FaultPhase.After,
                FaultKind.Http500 or FaultKind.ConnectionReset or FaultKind.Timeout => phaseDraw < Plan.AfterShare ? FaultPhase.After : FaultPhase.Before,
                _ => FaultPhase.Before,
            };
            return (latency, Record(new InjectedFault(ordinal, caller, service, action, kind, phase)), detailDraw);
        }
    }

    /// <summary>Replaces a recorded fault with what was actually injected (a cut body of an empty response becomes a reset).</summary>
    internal void Amend(InjectedFault planned, InjectedFault actual)
    {
        lock (_lock)
        {
            int index = _injected.LastIndexOf(planned);
            _injected[index] = actual;
        }
    }

    /// <summary>A markdown table of the injected faults: one row per kind and phase, one column per service, with totals.</summary>
    public string Table()
    {
        IReadOnlyList<InjectedFault> injected = Injected;
        IReadOnlyDictionary<string, int> requests = RequestsByService;
        List<string> services = requests.Keys.Concat(injected.Select(f => f.Service)).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| fault | {string.Join(" | ", services)} | total |");
        table.AppendLine(CultureInfo.InvariantCulture, $"|---|{string.Concat(services.Select(_ => "---:|"))}---:|");
        Dictionary<string, int> eligible;
        lock (_lock)
        {
            eligible = new Dictionary<string, int>(_eligibleByService);
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| requests seen | {string.Join(" | ", services.Select(s => requests.GetValueOrDefault(s)))} | {requests.Values.Sum()} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| of which faultable (the plan applies) | {string.Join(" | ", services.Select(s => eligible.GetValueOrDefault(s)))} | {eligible.Values.Sum()} |");
        foreach (var group in injected.GroupBy(f => (f.Kind, f.Phase)).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Phase))
        {
            string label = group.Key.Kind is FaultKind.Latency or FaultKind.Outage ? $"{group.Key.Kind}" : $"{group.Key.Kind} ({group.Key.Phase.ToString().ToLowerInvariant()})";
            table.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {string.Join(" | ", services.Select(s => group.Count(f => f.Service == s)))} | {group.Count()} |");
        }

        int failures = injected.Count(f => f.Kind != FaultKind.Latency);
        table.AppendLine(CultureInfo.InvariantCulture,
            $"| **failures** | {string.Join(" | ", services.Select(s => injected.Count(f => f.Service == s && f.Kind != FaultKind.Latency)))} | {failures} ({Percent(failures, eligible.Values.Sum())} of faultable requests) |");
        return table.ToString();
    }

    /// <summary>One line: "412 failures on 3120 faultable requests (13.2%): Http500 40, ...".</summary>
    public string Summary()
    {
        IReadOnlyList<InjectedFault> injected = Injected;
        long requests = EligibleRequests;
        int failures = injected.Count(f => f.Kind != FaultKind.Latency);
        string kinds = string.Join(", ", injected.GroupBy(f => f.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        return $"{failures} failures on {requests} faultable requests ({Percent(failures, requests)}): {kinds}";
    }

    private static string Percent(long part, long whole) =>
        whole == 0 ? "0%" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private InjectedFault Record(InjectedFault fault)
    {
        _injected.Add(fault);
        return fault;
    }

    private FaultKind PickKind(double draw)
    {
        var weighted = FaultPlan.FailureKinds
            .Select(k => (Kind: k, Weight: Plan.Weights is null ? 1.0 : Plan.Weights.GetValueOrDefault(k)))
            .Where(k => k.Weight > 0)
            .ToList();
        if (weighted.Count == 0)
        {
            throw new InvalidOperationException("The fault plan gives no failure kind a weight.");
        }

        double point = draw * weighted.Sum(k => k.Weight);
        foreach ((FaultKind kind, double weight) in weighted)
        {
            if (point < weight)
            {
                return kind;
            }

            point -= weight;
        }

        return weighted[^1].Kind;
    }
}

/// <summary>The DelegatingHandler of <see cref="FaultInjector"/> for one client: applies the injector's decision to each request.</summary>
public sealed class FaultInjectingHandler(FaultInjector injector, string caller, string service) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string action = FaultResponses.ActionOf(service, request);
        (InjectedFault? latency, InjectedFault? failure, double detail) = injector.Next(caller, service, action);
        if (latency is not null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1 + (detail * Math.Max(0, injector.Plan.MaxLatency.TotalMilliseconds - 1))), cancellationToken);
        }

        if (failure is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        if (failure.Phase == FaultPhase.Before)
        {
            return await FailAsync(failure.Kind, request, detail, cancellationToken);
        }

        // After: the emulator applies the request; the caller never sees its answer.
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
        if (failure.Kind != FaultKind.TruncatedBody)
        {
            response.Dispose();
            return await FailAsync(failure.Kind, request, detail, cancellationToken);
        }

        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (body.Length == 0)
        {
            // Nothing to cut (a HEAD, a PUT's empty answer): the connection drops instead.
            response.Dispose();
            injector.Amend(failure, failure with { Kind = FaultKind.ConnectionReset });
            throw FaultResponses.ConnectionReset();
        }

        response.Content = FaultResponses.Truncated(response.Content.Headers, body, (int)(detail * body.Length));
        return response;
    }

    private async Task<HttpResponseMessage> FailAsync(FaultKind kind, HttpRequestMessage request, double detail, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case FaultKind.ConnectionReset:
                throw FaultResponses.ConnectionReset();
            case FaultKind.Timeout:
                await Task.Delay(injector.Plan.TimeoutAfter, cancellationToken);
                throw FaultResponses.Timeout();
            default:
                return FaultResponses.Error(service, kind, request, detail);
        }
    }
}

/// <summary>The wire shapes of injected failures, per service and kind.</summary>
public static class FaultResponses
{
    private const string DynamoPrefix = "com.amazonaws.dynamodb.v20120810#";

    /// <summary>The API action of a request: S3's verb (GET, PUT, COPY...), or the X-Amz-Target action of SQS and DynamoDB.</summary>
    public static string ActionOf(string service, HttpRequestMessage request) =>
        service == "S3"
            ? S3Request.From(request).Verb
            : request.Headers.TryGetValues("X-Amz-Target", out IEnumerable<string>? values) && values.FirstOrDefault() is { } target
                ? target[(target.LastIndexOf('.') + 1)..]
                : request.Method.Method;

    /// <summary>
    /// The error response of <paramref name="service"/> for <paramref name="kind"/> (Http500, Http503, Throttling, Outage).
    /// <paramref name="variant"/> in [0, 1) picks between a service's two throttling codes.
    /// S3 speaks REST-XML; AWSSDK.SQS 4 speaks the AWS JSON 1.0 protocol (X-Amz-Target AmazonSQS.*), whose errors carry
    /// <c>__type</c> and the query-compatible code in <c>x-amzn-query-error</c>; DynamoDB speaks JSON 1.0.
    /// </summary>
    public static HttpResponseMessage Error(string service, FaultKind kind, HttpRequestMessage request, double variant = 0)
    {
        string requestId = Guid.NewGuid().ToString("D");
        (HttpStatusCode status, string code, string message) = (service, kind) switch
        {
            ("S3", FaultKind.Http500) => (HttpStatusCode.InternalServerError, "InternalError", "We encountered an internal error. Please try again."),
            ("S3", FaultKind.Throttling) => (HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate."),
            ("S3", _) => (HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Service is unable to handle request."),
            ("SQS", FaultKind.Http500) => (HttpStatusCode.InternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
            ("SQS", FaultKind.Throttling) => variant < 0.5
                ? (HttpStatusCode.BadRequest, "RequestThrottled", "Request is throttled.")
                : (HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded"),
            ("SQS", _) => (HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
            ("DynamoDB", FaultKind.Http500) => (HttpStatusCode.InternalServerError, "InternalServerError", "Internal server error"),
            ("DynamoDB", FaultKind.Throttling) => variant < 0.5
                ? (HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException",
                    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
                : (HttpStatusCode.BadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
            ("DynamoDB", _) => (HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is currently unavailable or busy."),
            _ => throw new NotSupportedException($"No error shape for {service}."),
        };

        var response = new HttpResponseMessage(status) { RequestMessage = request };
        if (service == "S3")
        {
            response.Headers.Add("x-amz-request-id", requestId[..16].ToUpperInvariant());
            response.Headers.Add("x-amz-id-2", Convert.ToBase64String(Encoding.ASCII.GetBytes(requestId)));

            // S3 answers a HEAD with the status alone.
            string xml = request.Method == HttpMethod.Head
                ? ""
                : $"""<?xml version="1.0" encoding="UTF-8"?>{"\n"}<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{requestId[..16].ToUpperInvariant()}</RequestId><HostId>{Convert.ToBase64String(Encoding.ASCII.GetBytes(requestId))}</HostId></Error>""";
            response.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(xml));
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
            return response;
        }

        response.Headers.Add("x-amzn-RequestId", requestId);
        string type;
        if (service == "SQS")
        {
            // The JSON protocol's __type, and the code the query protocol used, which the SDK prefers.
            type = code switch
            {
                "ThrottlingException" => "com.amazon.coral.availability#ThrottlingException",
                "InternalFailure" => "com.amazon.coral.service#InternalFailure",
                "ServiceUnavailable" => "com.amazon.coral.availability#ServiceUnavailableException",
                _ => "com.amazonaws.sqs#" + code,
            };
            response.Headers.Add("x-amzn-query-error", $"{code};{(status == HttpStatusCode.BadRequest ? "Sender" : "Receiver")}");
        }
        else
        {
            type = DynamoPrefix + code;
        }

        string json = $$"""{"__type":"{{type}}","message":"{{message}}"}""";
        response.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        return response;
    }

    /// <summary>What SocketsHttpHandler throws when the peer resets the connection.</summary>
    public static HttpRequestException ConnectionReset() =>
        new(HttpRequestError.Unknown, "An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection: Connection reset by peer.",
                new SocketException((int)SocketError.ConnectionReset)));

    /// <summary>What HttpClient throws when its Timeout elapses (the SDK client's HttpClient is the harness's).</summary>
    public static TaskCanceledException Timeout() =>
        new("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.",
            new TimeoutException("The operation was canceled.", new TaskCanceledException("The operation was canceled.")));

    /// <summary>A content with the original headers (Content-Length of the whole body) whose stream throws after <paramref name="keep"/> bytes.</summary>
    public static HttpContent Truncated(HttpContentHeaders headers, byte[] body, int keep)
    {
        var content = new StreamContent(new TruncatedStream(body, keep));
        foreach (KeyValuePair<string, IEnumerable<string>> header in headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        content.Headers.ContentLength = body.Length;
        return content;
    }

    /// <summary>Reads the first bytes of a body, then fails as SocketsHttpHandler does when a Content-Length body ends early.</summary>
    private sealed class TruncatedStream(byte[] body, int keep) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0)
            {
                return 0;
            }

            if (_position >= keep)
            {
                // SocketsHttpHandler's words when the connection closes before Content-Length bytes came (the message gets " (ResponseEnded)").
                throw new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely.");
            }

            int n = Math.Min(buffer.Length, keep - _position);
            body.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
