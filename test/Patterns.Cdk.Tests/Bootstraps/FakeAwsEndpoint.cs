using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// Every AWS endpoint a bootstrap talks to, on one loopback port (the executables get it as <c>AWS_ENDPOINT_URL</c>,
/// the per-service variables and <c>REKOGNITION_ENDPOINT</c>), plus a partner API for ApiPoller under <c>/partner/</c>.
/// Just enough of each wire protocol for the real SDK clients to parse the answers:
/// <list type="bullet">
/// <item>S3 (REST, path style, as the SDK uses for an IP endpoint): objects in memory; HeadObject, GetObject (If-Match),
/// PutObject (aws-chunked bodies with trailing checksums decoded) and CopyObject; NoSuchKey otherwise.</item>
/// <item>DynamoDB (JSON 1.0): GetItem answers the item registered for the key's <c>pk</c>, anything else <c>{}</c>.</item>
/// <item>SQS (JSON 1.0): SendMessage and SendMessageBatch, with the MD5 digests the SDK checks.</item>
/// <item>Rekognition (JSON 1.1, our stand-in client): DetectFaces answers <see cref="DetectFacesAnswer"/>.</item>
/// <item>MWAA InvokeRestApi (restJson1, our stand-in client): answers from <see cref="RestApiAnswers"/>.</item>
/// </list>
/// Every request is recorded (<see cref="Requests"/>).
/// </summary>
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "S3 ETags and SQS message digests are MD5 by protocol; nothing is secured with them.")]
internal sealed class FakeAwsEndpoint : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<(string Bucket, string Key), S3Object> _objects = new();
    private readonly ConcurrentQueue<AwsRequest> _requests = new();

    public FakeAwsEndpoint()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";
        }

        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string Url { get; }

    /// <summary>The JSON answer of DetectFaces.</summary>
    public string DetectFacesAnswer { get; set; } = """{"FaceDetails":[]}""";

    /// <summary>DynamoDB items (DynamoDB JSON, <c>{"pk":{"S":"..."},...}</c>) by their <c>pk</c>, answered by GetItem.</summary>
    public ConcurrentDictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>Partner pages by path (<c>/partner/orders</c>), whatever the query (recorded with the request).</summary>
    public ConcurrentDictionary<string, string> PartnerPages { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// MWAA InvokeRestApi answers (restJson1 <c>POST /restapi/{Name}</c>, our stand-in client) by <c>"{Method} {Path}"</c> of
    /// the request body: the Airflow status and JSON. Any other call is answered as Airflow's 404 (a RestApiClientException).
    /// </summary>
    public ConcurrentDictionary<string, (int Status, string Json)> RestApiAnswers { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<AwsRequest> Requests => [.. _requests];

    public void PutObject(string bucket, string key, byte[] content, string contentType, IReadOnlyDictionary<string, string>? metadata = null) =>
        _objects[(bucket, key)] = new S3Object(content, contentType, metadata ?? new Dictionary<string, string>(), ETagOf(content));

    public byte[]? GetObject(string bucket, string key) => _objects.TryGetValue((bucket, key), out S3Object? found) ? found.Content : null;

    public IReadOnlyDictionary<string, string>? GetMetadata(string bucket, string key) => _objects.TryGetValue((bucket, key), out S3Object? found) ? found.Metadata : null;

    /// <summary>The requests of one operation (<c>S3.PutObject</c>, <c>DynamoDB.GetItem</c>, <c>SQS.SendMessage</c>, ...).</summary>
    public IReadOnlyList<AwsRequest> Of(string operation) => Requests.Where(r => r.Operation == operation).ToList();

    /// <summary>The operations so far, one a line, for failure messages.</summary>
    public string Describe() => string.Join(Environment.NewLine, Requests.Select(r => $"  {r.Operation} {r.Method} {r.Path}"));

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

    private static string ETagOf(byte[] content) => "\"" + Convert.ToHexStringLower(MD5.HashData(content)) + "\"";

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

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        try
        {
            HttpListenerRequest http = context.Request;
            using var buffer = new MemoryStream();
            await http.InputStream.CopyToAsync(buffer);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string? name in http.Headers.AllKeys)
            {
                if (name is not null)
                {
                    headers[name] = http.Headers[name]!;
                }
            }

            byte[] body = buffer.ToArray();
            if (headers.TryGetValue("Content-Encoding", out string? encoding) && encoding.Contains("aws-chunked", StringComparison.Ordinal))
            {
                body = DecodeAwsChunked(body);
            }

            string rawPath = http.RawUrl!.Split('?')[0];
            string query = http.Url!.Query.TrimStart('?');
            Answer answer;
            string operation;
            if (headers.TryGetValue("X-Amz-Target", out string? target))
            {
                (operation, answer) = Json(target, body);
            }
            else if (http.HttpMethod == "POST" && rawPath.StartsWith("/restapi/", StringComparison.Ordinal))
            {
                (operation, answer) = InvokeRestApi(body);
            }
            else if (rawPath.StartsWith("/partner/", StringComparison.Ordinal))
            {
                operation = "Partner.Get";
                answer = PartnerPages.TryGetValue(rawPath, out string? page)
                    ? Answer.Json(200, page)
                    : new Answer(404, "application/json", """{"message":"no such page"}"""u8.ToArray(), []);
            }
            else
            {
                (operation, answer) = S3(http.HttpMethod, rawPath, headers, body);
            }

            _requests.Enqueue(new AwsRequest(operation, http.HttpMethod, rawPath, query, headers, body));
            response.StatusCode = answer.Status;
            response.ContentType = answer.ContentType;
            foreach ((string name, string value) in answer.Headers)
            {
                response.Headers[name] = value;
            }

            if (http.HttpMethod == "HEAD")
            {
                // The object's length, without its bytes.
                response.ContentLength64 = answer.HeadLength ?? 0;
                response.OutputStream.Close();
                response.Close();
                return;
            }

            response.ContentLength64 = answer.Body.Length;
            await response.OutputStream.WriteAsync(answer.Body);
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            response.Abort();
        }
    }

    private (string Operation, Answer Answer) Json(string target, byte[] body)
    {
        string action = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        JsonNode request = JsonNode.Parse(body) ?? new JsonObject();
        if (target.StartsWith("DynamoDB_", StringComparison.Ordinal))
        {
            string answer = "{}";
            if (action == "GetItem" && (string?)request["Key"]?["pk"]?["S"] is { } pk && Items.TryGetValue(pk, out string? item))
            {
                answer = $$"""{"Item":{{item}}}""";
            }

            return ("DynamoDB." + action, Answer.Json(200, answer, "application/x-amz-json-1.0"));
        }

        if (target.StartsWith("AmazonSQS.", StringComparison.Ordinal))
        {
            return ("SQS." + action, Answer.Json(200, action switch
            {
                "SendMessage" => new JsonObject
                {
                    ["MessageId"] = Guid.NewGuid().ToString(),
                    ["MD5OfMessageBody"] = Md5((string)request["MessageBody"]!),
                    ["MD5OfMessageAttributes"] = request["MessageAttributes"] is JsonObject attributes ? AttributesMd5(attributes) : null,
                }.ToJsonString(),
                "SendMessageBatch" => new JsonObject
                {
                    ["Successful"] = new JsonArray([.. request["Entries"]!.AsArray().Select(entry => (JsonNode)new JsonObject
                    {
                        ["Id"] = (string)entry!["Id"]!,
                        ["MessageId"] = Guid.NewGuid().ToString(),
                        ["MD5OfMessageBody"] = Md5((string)entry["MessageBody"]!),
                        ["MD5OfMessageAttributes"] = entry["MessageAttributes"] is JsonObject attributes ? AttributesMd5(attributes) : null,
                    })]),
                    ["Failed"] = new JsonArray(),
                }.ToJsonString(),
                _ => "{}",
            }, "application/x-amz-json-1.0"));
        }

        if (target == "AWSEvents.PutEvents")
        {
            return ("Events.PutEvents", Answer.Json(200, $$"""{"FailedEntryCount":0,"Entries":[{"EventId":"{{Guid.NewGuid()}}"}]}""", "application/x-amz-json-1.1"));
        }

        if (target == "RekognitionService.DetectFaces")
        {
            return ("Rekognition.DetectFaces", Answer.Json(200, DetectFacesAnswer, "application/x-amz-json-1.1"));
        }

        return ("Unknown." + target, Answer.Json(400, """{"__type":"UnknownOperationException"}"""));
    }

    private (string Operation, Answer Answer) InvokeRestApi(byte[] body)
    {
        JsonNode request = JsonNode.Parse(body) ?? new JsonObject();
        string call = $"{(string?)request["Method"]} {(string?)request["Path"]}";
        (int status, string json) = RestApiAnswers.TryGetValue(call, out var found) ? found : (404, """{"title":"DAG not found","status":404}""");
        string answer = $$"""{"RestApiStatusCode":{{status}},"RestApiResponse":{{json}}}""";
        return status is >= 200 and <= 299
            ? ("MWAA.InvokeRestApi", Answer.Json(200, answer))
            : ("MWAA.InvokeRestApi", new Answer(400, "application/json", Encoding.UTF8.GetBytes(answer),
                [("x-amzn-ErrorType", status >= 500 ? "RestApiServerException" : "RestApiClientException")]));
    }

    private (string Operation, Answer Answer) S3(string method, string rawPath, Dictionary<string, string> headers, byte[] body)
    {
        string[] parts = rawPath.TrimStart('/').Split('/', 2);
        string bucket = Uri.UnescapeDataString(parts[0]);
        string key = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        switch (method)
        {
            case "HEAD":
                return ("S3.HeadObject", _objects.TryGetValue((bucket, key), out S3Object? head)
                    ? new Answer(200, head.ContentType, [], ObjectHeaders(head)) { HeadLength = head.Content.Length }
                    : new Answer(404, "application/xml", [], []));
            case "GET":
                if (!_objects.TryGetValue((bucket, key), out S3Object? found))
                {
                    return ("S3.GetObject", NoSuchKey(key));
                }

                if (headers.TryGetValue("If-Match", out string? ifMatch) && ifMatch != found.ETag)
                {
                    return ("S3.GetObject", S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"));
                }

                return ("S3.GetObject", new Answer(200, found.ContentType, found.Content, ObjectHeaders(found)));
            case "PUT" when headers.TryGetValue("x-amz-copy-source", out string? copySource):
                string source = Uri.UnescapeDataString(copySource.Split('?')[0]).TrimStart('/');
                string[] from = source.Split('/', 2);
                if (!_objects.TryGetValue((from[0], from[1]), out S3Object? original))
                {
                    return ("S3.CopyObject", NoSuchKey(from[1]));
                }

                bool replace = headers.TryGetValue("x-amz-metadata-directive", out string? directive) && directive == "REPLACE";
                var copy = replace
                    ? original with { ContentType = headers.GetValueOrDefault("Content-Type", original.ContentType), Metadata = Metadata(headers) }
                    : original;
                _objects[(bucket, key)] = copy;
                string xml = $"""<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>{WebUtility.HtmlEncode(copy.ETag)}</ETag></CopyObjectResult>""";
                return ("S3.CopyObject", new Answer(200, "application/xml", Encoding.UTF8.GetBytes(xml), []));
            case "PUT":
                var stored = new S3Object(body, headers.GetValueOrDefault("Content-Type", "binary/octet-stream"), Metadata(headers), ETagOf(body));
                _objects[(bucket, key)] = stored;
                return ("S3.PutObject", new Answer(200, "application/xml", [], [("ETag", stored.ETag)]));
            default:
                return ("S3." + method, S3Error(405, "MethodNotAllowed", "not faked"));
        }
    }

    private static Dictionary<string, string> Metadata(Dictionary<string, string> headers) =>
        headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-amz-meta-".Length..].ToLowerInvariant(), h => h.Value, StringComparer.Ordinal);

    private static List<(string, string)> ObjectHeaders(S3Object found)
    {
        var headers = new List<(string, string)>
        {
            ("ETag", found.ETag),
            ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("Accept-Ranges", "bytes"),
        };
        headers.AddRange(found.Metadata.Select(m => ("x-amz-meta-" + m.Key, m.Value)));
        return headers;
    }

    private static Answer NoSuchKey(string key) => S3Error(404, "NoSuchKey", $"The specified key does not exist: {key}");

    private static Answer S3Error(int status, string code, string message) =>
        new(status, "application/xml", Encoding.UTF8.GetBytes($"""<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{WebUtility.HtmlEncode(message)}</Message><RequestId>FAKE</RequestId></Error>"""), []);

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>SQS's MD5 of message attributes: by name, each name, data type, transport type (1 string, 2 binary) and value, lengths big-endian.</summary>
    private static string AttributesMd5(JsonObject attributes)
    {
        using var bytes = new MemoryStream();
        foreach ((string name, JsonNode? value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            string dataType = (string)value!["DataType"]!;
            Write(Encoding.UTF8.GetBytes(name));
            Write(Encoding.UTF8.GetBytes(dataType));
            if (value["BinaryValue"] is { } binary)
            {
                bytes.WriteByte(2);
                Write(Convert.FromBase64String((string)binary!));
            }
            else
            {
                bytes.WriteByte(1);
                Write(Encoding.UTF8.GetBytes((string)value["StringValue"]!));
            }
        }

        return Convert.ToHexStringLower(MD5.HashData(bytes.ToArray()));

        void Write(byte[] data)
        {
            Span<byte> length = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            bytes.Write(length);
            bytes.Write(data);
        }
    }

    /// <summary>The payload of an <c>aws-chunked</c> body: <c>hex-size[;chunk-signature=...]\r\n data \r\n</c> ... <c>0...\r\n</c> trailers.</summary>
    private static byte[] DecodeAwsChunked(byte[] body)
    {
        using var payload = new MemoryStream();
        int at = 0;
        while (at < body.Length)
        {
            int lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            string header = Encoding.ASCII.GetString(body, at, lineEnd);
            int size = int.Parse(header.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            payload.Write(body, at, size);
            at += size + 2;
        }

        return payload.ToArray();
    }

    private sealed record S3Object(byte[] Content, string ContentType, IReadOnlyDictionary<string, string> Metadata, string ETag);

    private sealed record Answer(int Status, string ContentType, byte[] Body, List<(string Name, string Value)> Headers)
    {
        public long? HeadLength { get; init; }

        public static Answer Json(int status, string json, string contentType = "application/json") =>
            new(status, contentType, Encoding.UTF8.GetBytes(json), []);
    }
}

/// <summary>One request to <see cref="FakeAwsEndpoint"/>.</summary>
internal sealed record AwsRequest(string Operation, string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => JsonNode.Parse(Body);
}
