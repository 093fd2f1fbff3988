using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.Uploads.Client.Tests.Fakes;

/// <summary>
/// The upload API (design §1) and S3 in memory, as one <see cref="HttpMessageHandler"/>: API calls are checked for a
/// valid SigV4 signature and the right addressing (API host, or VPC endpoint host + <c>x-apigw-api-id</c>), the caller
/// is the signing access key, sessions/parts/objects are kept in dictionaries; presigned part URLs and the POST form are
/// checked like S3 would (expiry, Content-MD5, policy fields and exact length). Faults are injected per part/attempt.
/// </summary>
internal sealed class FakeUploadService : HttpMessageHandler
{
    public const string Region = "eu-west-1";
    public const string ApiId = "a1b2c3d4e5";
    public const string StorageHost = "uploads-bucket.s3.eu-west-1.amazonaws.com";
    public const long MiB = 1024 * 1024;
    public static readonly Uri PrivateDnsUrl = new($"https://{ApiId}.execute-api.{Region}.amazonaws.com/v1/");
    public static readonly Uri VpceUrl = new($"https://vpce-0abc123def4567890-wxyz1234.execute-api.{Region}.vpce.amazonaws.com/v1/");

    public static readonly ImmutableCredentialsPair Alice = new("AKIAALICE000000000001", "alice-secret-key/0000000000000000000000");
    public static readonly ImmutableCredentialsPair Bob = new("AKIABOB00000000000002", "bob-secret-key/00000000000000000000000000");

    private readonly Dictionary<string, string> _secrets = new() { [Alice.AccessKey] = Alice.SecretKey, [Bob.AccessKey] = Bob.SecretKey };
    private readonly ConcurrentDictionary<string, PartToken> _partTokens = new();
    private readonly ConcurrentDictionary<(string, int), int> _attempts = new();
    private readonly ConcurrentDictionary<(string, int), int> _mints = new();
    private int _inFlight;
    private int _maxInFlight;

    public ConcurrentDictionary<string, Session> Sessions { get; } = new();

    /// <summary>Every request in arrival order: "POST /uploads", "PUT part 3", "POST form", "DELETE", ….</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>The part numbers of every <c>POST /parts</c> call.</summary>
    public ConcurrentQueue<int[]> PartUrlRequests { get; } = new();

    /// <summary>Every (part number, contentMd5) asked for in <c>POST /parts</c>.</summary>
    public ConcurrentQueue<(int PartNumber, string? Md5)> PartUrlMd5s { get; } = new();

    /// <summary>Signature problems seen (a test fails when any).</summary>
    public ConcurrentQueue<string> SignatureProblems { get; } = new();

    /// <summary>The API requests as received: host, path and headers.</summary>
    public ConcurrentQueue<ReceivedRequest> ApiRequests { get; } = new();

    public long SingleMaxBytes { get; set; } = 8 * MiB;

    /// <summary>The part size the server picks for a size; default the design's formula.</summary>
    public Func<long, long> PartSizeFor { get; set; } = size => Math.Max(8 * MiB, (((size + 9_999) / 10_000) + MiB - 1) / MiB * MiB);

    public TimeSpan UrlExpiry { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long each part PUT takes (for the parallelism bound).</summary>
    public TimeSpan PartDelay { get; set; }

    /// <summary>How long a POST form takes to be stored (the server carries on whatever the client does).</summary>
    public TimeSpan FormDelay { get; set; }

    /// <summary>A part's own delay (overrides <see cref="PartDelay"/>).</summary>
    public Func<int, TimeSpan>? PartDelayOf { get; set; }

    /// <summary>Per (part number, attempt): an S3 error to answer instead of storing, or null. Throw to simulate a network error.</summary>
    public Func<int, int, HttpResponseMessage?>? PartFault { get; set; }

    /// <summary>Parts whose first minted URL S3 calls expired (403 "Request has expired").</summary>
    public HashSet<int> ExpireFirstUrlOf { get; } = [];

    /// <summary>Parts whose first minted URL has an expiresAt in the past and gets a bare 403 (no "expired" text).</summary>
    public HashSet<int> PastExpiryFirstUrlOf { get; } = [];

    /// <summary>Per POST form attempt: true stores the file and then loses the answer (the client sees a network error).</summary>
    public Func<int, bool>? FormAnswerLost { get; set; }

    /// <summary>Per POST form attempt: an answer given after the file was stored (a 500 that does not mean "not stored"), or null.</summary>
    public Func<int, HttpResponseMessage?>? FormAnswerAfterStore { get; set; }

    /// <summary>Answers an API call instead of the fake's logic when it returns non-null (error injection).</summary>
    public Func<string, HttpResponseMessage?>? ApiFault { get; set; }

    /// <summary>When it returns true, a processed POST /uploads is answered 502 instead (its answer lost on the way back).</summary>
    public Func<bool>? StartAnswerLost { get; set; }

    /// <summary>The clientToken of every POST /uploads, in arrival order (null when none was sent).</summary>
    public ConcurrentQueue<string?> StartTokens { get; } = new();

    /// <summary>Called after a part is stored, with its number.</summary>
    public Action<int>? OnPartStored { get; set; }

    /// <summary>
    /// Like S3 and a real network: a part request that arrived is processed to the end even when the client gives up on
    /// it (cancels), and one that arrived while the upload was open may still be stored after an abort (S3's documented race).
    /// </summary>
    public bool ServerOutlivesClient { get; set; }

    /// <summary>Parts stored after their upload was aborted (only with <see cref="ServerOutlivesClient"/>).</summary>
    public ConcurrentQueue<int> PartsStoredAfterAbort { get; } = new();

    public int MaxPartsInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Part requests the server is processing now.</summary>
    public int PartsInFlight => Volatile.Read(ref _inFlight);

    public int PartPuts(int partNumber) => _attempts.Where(a => a.Key.Item2 == partNumber).Sum(a => a.Value);

    public int Count(string logEntry) => Log.Count(l => l == logEntry);

    /// <summary>A multipart session started by <paramref name="owner"/> outside the client (resume tests).</summary>
    public Session StartSession(ImmutableCredentialsPair owner, long size, string fileName = "big.bin", string contentType = "application/octet-stream")
    {
        Session session = NewSession(owner.AccessKey, fileName, contentType, size, null);
        Sessions[session.Id] = session;
        return session;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        string host = request.Headers.Host ?? request.RequestUri!.Authority;
        if (request.RequestUri!.Host == StorageHost)
        {
            return request.Method == HttpMethod.Put ? await PutPartAsync(request, body, cancellationToken)
                : request.Method == HttpMethod.Post ? await (ServerOutlivesClient ? PostFormAsync(request).WaitAsync(cancellationToken) : PostFormAsync(request))
                : Xml(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "not supported by the fake");
        }

        return Api(request, host, body);
    }

    private HttpResponseMessage Api(HttpRequestMessage request, string host, byte[] body)
    {
        ApiRequests.Enqueue(new ReceivedRequest(
            host,
            request.RequestUri!.AbsolutePath,
            request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value))));
        bool viaEndpoint = host == VpceUrl.Host;
        string? apiIdHeader = request.Headers.TryGetValues("x-apigw-api-id", out var ids) ? ids.Single() : null;
        if (!(host == PrivateDnsUrl.Host || (viaEndpoint && apiIdHeader == ApiId)))
        {
            return Json(HttpStatusCode.Forbidden, new JsonObject { ["message"] = "Forbidden" }); // API Gateway: no such API here
        }

        (string? caller, string? problem) = SigV4Verifier.Verify(request, body, _secrets, Region);
        if (caller is null)
        {
            SignatureProblems.Enqueue(problem!);
            return Json(HttpStatusCode.Forbidden, new JsonObject { ["message"] = "The request signature we calculated does not match the signature you provided." });
        }

        string path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return Error(HttpStatusCode.NotFound, "NotFound", "no such route");
        }

        string route = $"{request.Method} {path[3..]}";
        string[] segments = path[4..].Split('/');
        string logName = segments.Length switch
        {
            1 => $"{request.Method} /uploads",
            2 => $"{request.Method} /uploads/{{id}}",
            _ => $"{request.Method} /uploads/{{id}}/{segments[2]}",
        };
        Log.Enqueue(logName);
        if (ApiFault?.Invoke(logName) is { } fault)
        {
            return fault;
        }

        if (segments.Length == 1 && request.Method == HttpMethod.Post)
        {
            HttpResponseMessage created = Create(caller, body);
            return StartAnswerLost?.Invoke() == true ? Error(HttpStatusCode.BadGateway, "HttpError", "answer lost") : created;
        }

        if (segments.Length < 2 || segments[0] != "uploads")
        {
            return Error(HttpStatusCode.NotFound, "NotFound", $"no route {route}");
        }

        if (!Sessions.TryGetValue(segments[1], out Session? session))
        {
            return Error(HttpStatusCode.NotFound, "NotFound", "no such upload");
        }

        if (session.Owner != caller)
        {
            return Error(HttpStatusCode.Forbidden, "Forbidden", "not allowed");
        }

        return (request.Method.Method, segments.Length == 3 ? segments[2] : null) switch
        {
            ("GET", null) => Status(session),
            ("DELETE", null) => Abort(session),
            ("POST", "parts") => Parts(session, body),
            ("POST", "complete") => Complete(session),
            _ => Error(HttpStatusCode.NotFound, "NotFound", $"no route {route}"),
        };
    }

    private HttpResponseMessage Create(string caller, byte[] body)
    {
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidJson", "not JSON");
        }

        string? fileName = (string?)json?["fileName"];
        string? contentType = (string?)json?["contentType"];
        long? size = (long?)json?["size"];
        string? sha256 = (string?)json?["sha256"];
        if (fileName is null || contentType is null || size is null)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", "fileName, contentType and size are required");
        }

        if (size < 0)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidSize", "size must be >= 0");
        }

        string? token = (string?)json?["clientToken"];
        StartTokens.Enqueue(token);
        Session session = token is not null && Sessions.Values.FirstOrDefault(s => s.Owner == caller && s.ClientToken == token) is { } started
            ? started // the same start again: the same session, as the real API answers
            : NewSession(caller, fileName, contentType, size.Value, sha256);
        session.ClientToken = token;
        Sessions[session.Id] = session;
        var answer = new JsonObject
        {
            ["uploadId"] = session.Id,
            ["key"] = session.Key,
            ["mode"] = session.Mode,
            ["expiresAt"] = session.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (session.Mode == "single")
        {
            var fields = new JsonObject
            {
                ["key"] = session.Key,
                ["Content-Type"] = session.ContentType,
                ["x-amz-algorithm"] = "AWS4-HMAC-SHA256",
                ["x-amz-credential"] = "ASIAFUNCTION/20261205/eu-west-1/s3/aws4_request",
                ["x-amz-date"] = "20261205T120000Z",
                ["policy"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"conditions\":[[\"content-length-range\",{session.Size},{session.Size}]]}}")),
                ["x-amz-signature"] = "0123456789abcdef",
            };
            if (sha256 is not null)
            {
                fields["x-amz-checksum-sha256"] = sha256;
            }

            answer["post"] = new JsonObject { ["url"] = $"https://{StorageHost}/", ["fields"] = fields };
        }
        else
        {
            answer["partSize"] = session.PartSize;
            answer["partCount"] = session.PartCount;
        }

        return Json(HttpStatusCode.Created, answer);
    }

    private Session NewSession(string owner, string fileName, string contentType, long size, string? sha256)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        bool single = size <= SingleMaxBytes;
        long partSize = single ? 0 : PartSizeFor(size);
        return new Session
        {
            Id = id,
            Owner = owner,
            Key = $"uploads/123456789012/{owner}/{id}/{fileName}",
            Mode = single ? "single" : "multipart",
            FileName = fileName,
            ContentType = contentType,
            Size = size,
            Sha256 = sha256,
            PartSize = partSize,
            PartCount = single ? 0 : (int)((size + partSize - 1) / partSize),
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        };
    }

    private HttpResponseMessage Parts(Session session, byte[] body)
    {
        if (session.State != "open")
        {
            return Error(HttpStatusCode.Conflict, "NotOpen", "the upload is not open", new JsonObject { ["state"] = session.State });
        }

        JsonNode request = JsonNode.Parse(body)!;
        int[] numbers = request["partNumbers"]!.AsArray().Select(n => (int)n!).ToArray();
        string[]? md5s = request["contentMd5"]?.AsArray().Select(n => (string)n!).ToArray();
        PartUrlRequests.Enqueue(numbers);
        if (md5s is not null && (md5s.Length != numbers.Length || md5s.Any(m => m.Length != 24)))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidChecksum", "contentMd5 must hold one base64 MD5 per part number");
        }
        if (numbers.Length is 0 or > 1000 || numbers.Any(n => n < 1 || n > session.PartCount))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidPartNumber", $"part numbers must be 1..{session.PartCount}");
        }

        var parts = new JsonArray();
        for (int i = 0; i < numbers.Length; i++)
        {
            int n = numbers[i];
            string? signedMd5 = md5s?[i];
            PartUrlMd5s.Enqueue((n, signedMd5));
            int mint = _mints.AddOrUpdate((session.Id, n), 1, (_, c) => c + 1);
            bool expiredText = mint == 1 && ExpireFirstUrlOf.Contains(n);
            bool pastExpiry = mint == 1 && PastExpiryFirstUrlOf.Contains(n);
            DateTimeOffset expiresAt = pastExpiry ? DateTimeOffset.UtcNow.AddMinutes(-1) : DateTimeOffset.UtcNow + UrlExpiry;
            string token = Guid.NewGuid().ToString("N");
            _partTokens[token] = new PartToken(session.Id, n, expiredText || pastExpiry, expiredText, signedMd5);
            parts.Add(new JsonObject
            {
                ["partNumber"] = n,
                ["contentMd5"] = signedMd5,
                ["url"] = $"https://{StorageHost}/{Uri.EscapeDataString(session.Key)}?uploadId=s3-{session.Id}&partNumber={n}&X-Amz-Expires=900&X-Amz-Signature={token}",
                ["expiresAt"] = expiresAt.ToString("O", CultureInfo.InvariantCulture),
            });
        }

        return Json(HttpStatusCode.OK, new JsonObject { ["uploadId"] = session.Id, ["parts"] = parts });
    }

    private async Task<HttpResponseMessage> PutPartAsync(HttpRequestMessage request, byte[] body, CancellationToken ct)
    {
        if (ServerOutlivesClient)
        {
            // The client may stop waiting; the server carries on with what it received.
            Task<HttpResponseMessage> work = PutPartCoreAsync(request, body, CancellationToken.None);
            return await work.WaitAsync(ct);
        }

        return await PutPartCoreAsync(request, body, ct);
    }

    private async Task<HttpResponseMessage> PutPartCoreAsync(HttpRequestMessage request, byte[] body, CancellationToken ct)
    {
        if (request.Headers.Authorization is not null)
        {
            return Xml(HttpStatusCode.BadRequest, "InvalidArgument", "Only one auth mechanism allowed");
        }

        string query = request.RequestUri!.Query;
        string token = query[(query.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + 16)..];
        if (!_partTokens.TryGetValue(token, out PartToken? part) || !Sessions.TryGetValue(part.SessionId, out Session? session))
        {
            return Xml(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "unknown URL");
        }

        int attempt = _attempts.AddOrUpdate((session.Id, part.PartNumber), 1, (_, c) => c + 1);
        Log.Enqueue($"PUT part {part.PartNumber}");
        int now = Interlocked.Increment(ref _inFlight);
        try
        {
            int seen;
            while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            bool openAtArrival = session.State == "open";
            TimeSpan delay = PartDelayOf?.Invoke(part.PartNumber) ?? PartDelay;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, ct);
            }

            if (part.Expired)
            {
                return part.SayExpired
                    ? Xml(HttpStatusCode.Forbidden, "AccessDenied", "Request has expired")
                    : Xml(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied");
            }

            if (session.State != "open" && !(ServerOutlivesClient && openAtArrival))
            {
                return Xml(HttpStatusCode.NotFound, "NoSuchUpload", "The specified upload does not exist.");
            }

            if (PartFault?.Invoke(part.PartNumber, attempt) is { } fault)
            {
                return fault;
            }

            // As S3 does with a presigned URL: a Content-MD5 header must be the one signed into the URL, and an
            // unsigned one is refused. This fake also insists that every part carries one.
            string? md5 = request.Content?.Headers.TryGetValues("Content-MD5", out var v) == true ? v.Single() : null;
            if (md5 is not null && part.SignedMd5 is null)
            {
                return Xml(HttpStatusCode.Forbidden, "AccessDenied", "There were headers present in the request which were not signed");
            }

            if (md5 is null || md5 != part.SignedMd5)
            {
                return Xml(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
            }

            if (md5 != Convert.ToBase64String(MD5.HashData(body)))
            {
                return Xml(HttpStatusCode.BadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.");
            }

            session.Parts[part.PartNumber] = body;
            if (session.State == "aborted")
            {
                PartsStoredAfterAbort.Enqueue(part.PartNumber);
            }

            OnPartStored?.Invoke(part.PartNumber);
            var ok = new HttpResponseMessage(HttpStatusCode.OK);
            ok.Headers.ETag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(MD5.HashData(body))}\"");
            return ok;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<HttpResponseMessage> PostFormAsync(HttpRequestMessage request)
    {
        Log.Enqueue("POST form");
        if (FormDelay > TimeSpan.Zero)
        {
            await Task.Delay(FormDelay);
        }

        if (request.Content is not MultipartFormDataContent form)
        {
            return Xml(HttpStatusCode.BadRequest, "MalformedPOSTRequest", "not multipart/form-data");
        }

        var fields = new List<(string Name, HttpContent Content)>();
        foreach (HttpContent item in form)
        {
            fields.Add((item.Headers.ContentDisposition!.Name!.Trim('"'), item));
        }

        if (fields.Count == 0 || fields[^1].Name != "file" || fields.Count(f => f.Name == "file") != 1)
        {
            return Xml(HttpStatusCode.BadRequest, "MalformedPOSTRequest", "the file must be the last field");
        }

        var values = new Dictionary<string, string>();
        foreach ((string name, HttpContent content) in fields.Take(fields.Count - 1))
        {
            values[name] = await content.ReadAsStringAsync();
        }

        byte[] file = await fields[^1].Content.ReadAsByteArrayAsync();
        Session? session = Sessions.Values.FirstOrDefault(s => values.TryGetValue("key", out string? key) && s.Key == key);
        if (session is null || values.GetValueOrDefault("Content-Type") != session.ContentType)
        {
            return Xml(HttpStatusCode.Forbidden, "AccessDenied", "Invalid according to Policy: Policy Condition failed");
        }

        if (file.LongLength != session.Size)
        {
            return Xml(HttpStatusCode.BadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
        }

        if (session.Sha256 is not null && values.GetValueOrDefault("x-amz-checksum-sha256") != Convert.ToBase64String(SHA256.HashData(file)))
        {
            return Xml(HttpStatusCode.BadRequest, "BadDigest", "The sha256 you specified did not match the calculated checksum.");
        }

        if (PartFault?.Invoke(0, _attempts.AddOrUpdate((session.Id, 0), 1, (_, c) => c + 1)) is { } fault)
        {
            return fault;
        }

        session.Object = file;
        if (FormAnswerLost?.Invoke(_attempts[(session.Id, 0)]) == true)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely (fake).");
        }

        if (FormAnswerAfterStore?.Invoke(_attempts[(session.Id, 0)]) is { } afterStore)
        {
            return afterStore;
        }

        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }

    private static HttpResponseMessage Status(Session session)
    {
        var parts = new JsonArray();
        foreach ((int n, byte[] bytes) in session.Parts.OrderBy(p => p.Key))
        {
            parts.Add(new JsonObject { ["partNumber"] = n, ["size"] = bytes.LongLength, ["etag"] = $"\"{n}\"" });
        }

        return Json(HttpStatusCode.OK, new JsonObject
        {
            ["uploadId"] = session.Id,
            ["key"] = session.Key,
            ["mode"] = session.Mode,
            ["state"] = session.State,
            ["fileName"] = session.FileName,
            ["contentType"] = session.ContentType,
            ["size"] = session.Size,
            ["partSize"] = session.PartSize,
            ["partCount"] = session.PartCount,
            ["createdAt"] = session.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["expiresAt"] = session.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            ["parts"] = parts,
        });
    }

    private static HttpResponseMessage Abort(Session session)
    {
        if (session.State == "completed")
        {
            return Error(HttpStatusCode.Conflict, "NotOpen", "already completed", new JsonObject { ["state"] = session.State });
        }

        if (session.State == "completing")
        {
            return Error(HttpStatusCode.Conflict, "Completing", "the upload is being completed", new JsonObject { ["state"] = session.State });
        }

        session.State = "aborted";
        session.Parts.Clear();
        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }

    private static HttpResponseMessage Complete(Session session)
    {
        if (session.State == "aborted")
        {
            return Error(HttpStatusCode.Conflict, "NotOpen", "the upload was aborted", new JsonObject { ["state"] = session.State });
        }

        if (session.State is "open" or "completing")
        {
            if (session.Mode == "single")
            {
                if (session.Object is null)
                {
                    return Error(HttpStatusCode.Conflict, "NotUploaded", "the file has not reached S3");
                }
            }
            else
            {
                int[] missing = Enumerable.Range(1, session.PartCount).Where(n => !session.Parts.ContainsKey(n)).ToArray();
                if (missing.Length > 0)
                {
                    return Error(HttpStatusCode.Conflict, "MissingParts", "parts are missing", new JsonObject { ["missingParts"] = new JsonArray([.. missing.Select(m => (JsonNode)m)]) });
                }

                byte[][] ordered = [.. Enumerable.Range(1, session.PartCount).Select(n => session.Parts[n])];
                if (ordered.Take(ordered.Length - 1).Any(p => p.LongLength != session.PartSize) || ordered.Sum(p => p.LongLength) != session.Size)
                {
                    return Error(HttpStatusCode.Conflict, "SizeMismatch", "part sizes are wrong");
                }

                session.Object = [.. ordered.SelectMany(p => p)];
            }

            session.State = "completed";
        }

        var answer = new JsonObject
        {
            ["uploadId"] = session.Id,
            ["key"] = session.Key,
            ["size"] = session.Size,
            ["contentType"] = session.ContentType,
            ["etag"] = session.Mode == "single" ? "\"single\"" : $"\"x-{session.PartCount}\"",
        };
        if (session.Sha256 is not null)
        {
            answer["sha256"] = session.Sha256;
        }

        return Json(HttpStatusCode.OK, answer);
    }

    public static HttpResponseMessage Error(HttpStatusCode status, string code, string message, JsonObject? extra = null)
    {
        var body = new JsonObject { ["error"] = code, ["message"] = message };
        foreach ((string name, JsonNode? value) in extra ?? [])
        {
            body[name] = value?.DeepClone();
        }

        return Json(status, body);
    }

    public static HttpResponseMessage Xml(HttpStatusCode status, string code, string message) =>
        new(status)
        {
            Content = new StringContent(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAKE</RequestId></Error>",
                Encoding.UTF8,
                "application/xml"),
        };

    private static HttpResponseMessage Json(HttpStatusCode status, JsonObject body) =>
        new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    internal sealed class Session
    {
        public string? ClientToken { get; set; }

        public required string Id { get; init; }

        public required string Owner { get; init; }

        public required string Key { get; init; }

        public required string Mode { get; init; }

        public string State { get; set; } = "open";

        public required string FileName { get; init; }

        public required string ContentType { get; init; }

        public required long Size { get; init; }

        public string? Sha256 { get; init; }

        public long PartSize { get; init; }

        public int PartCount { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset ExpiresAt { get; init; }

        public ConcurrentDictionary<int, byte[]> Parts { get; } = new();

        public byte[]? Object { get; set; }
    }

    private sealed record PartToken(string SessionId, int PartNumber, bool Expired, bool SayExpired, string? SignedMd5);
}

internal sealed record ReceivedRequest(string Host, string Path, Dictionary<string, string> Headers);

internal sealed record ImmutableCredentialsPair(string AccessKey, string SecretKey)
{
    public Amazon.Runtime.BasicAWSCredentials ToCredentials() => new(AccessKey, SecretKey);
}
