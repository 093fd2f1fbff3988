using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>One request as the front saw it, for fault injection.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Key">Object key (decoded), empty for bucket requests.</param>
/// <param name="PartNumber">The part number of an UploadPart, else null.</param>
/// <param name="Attempt">How many requests for the same key and part number arrived so far, this one included (1 = first).</param>
public sealed record FrontRequest(string Method, string Key, int? PartNumber, int Attempt)
{
    /// <summary>The S3 operation: <c>UploadPart</c>, <c>PostObject</c>, <c>CreateMultipartUpload</c>, <c>CompleteMultipartUpload</c>,
    /// <c>AbortMultipartUpload</c>, <c>ListParts</c>, <c>HeadObject</c>, <c>GetObject</c>, <c>PutObject</c>, or the method for anything else.</summary>
    public string Operation { get; init; } = Method;

    /// <summary>Whether the request came through a presigned URL or form (the client's), not a header-signed SDK call (the handlers').</summary>
    public bool Presigned { get; init; }
}

/// <summary>What the fault hook decides for one request.</summary>
public abstract record Fault
{
    /// <summary>Answer with this status and an S3 error code instead of forwarding.</summary>
    public sealed record Fail(int Status, string Code) : Fault;

    /// <summary>Hold the request this long before it is checked (so its URL may expire meanwhile).</summary>
    public sealed record Hold(TimeSpan Delay) : Fault;

    /// <summary>
    /// The presigned URL (or POST form) has expired: this request and every later one with the same signature get
    /// S3's 403 <c>AccessDenied</c> "Request has expired", as if the clock had passed its <c>X-Amz-Expires</c>.
    /// </summary>
    public sealed record Expire : Fault;

    /// <summary>S3 does the work (the part or object is stored, the upload created or completed), then the connection drops before the answer.</summary>
    public sealed record LoseAnswer : Fault;
}

/// <summary>
/// The bridge in front of fauxqs (see README.md beside this folder): presigned URL signature and expiry, unsigned
/// Content-MD5 refusal, Content-MD5 / x-amz-checksum-sha256 checks, ListParts from the parts it forwarded, POST object
/// with policy enforcement, and fault injection. Everything else goes to fauxqs unchanged.
/// Known differences from S3: header-signed requests are not verified; ListParts knows only the parts that went
/// through the front; POST object accepts only the fields our handlers use plus <c>x-amz-meta-*</c> and
/// <c>success_action_status</c>; error bodies carry Code and Message only.
/// </summary>
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Content-MD5 and ETags are MD5 by protocol.")]
public sealed partial class S3Front : LoopbackServer
{
    private readonly Uri _emulator;
    private readonly IReadOnlyDictionary<string, string> _secrets;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Upload> _uploads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Key, int Part), int> _attempts = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentDictionary<string, int> _expiredSignatures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _staleUrlReuses = new(StringComparer.Ordinal);

    /// <param name="emulator">fauxqs's S3 endpoint.</param>
    /// <param name="secrets">Secret access keys by access key id: whose presigned URLs and POST policies are accepted.</param>
    public S3Front(Uri emulator, IReadOnlyDictionary<string, string> secrets)
    {
        _emulator = emulator;
        _secrets = secrets;
        _http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, UseCookies = false, MaxConnectionsPerServer = 64 })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>
    /// How many times part URLs were minted for an upload (by the API's upload id, the key's second-to-last segment).
    /// An <see cref="Fault.Expire"/>d URL stays expired until the next mint: a URL minted again within the same second
    /// has the same signature here, where in S3 time has passed and it would differ. Default: none (expired for good).
    /// </summary>
    public Func<string, int>? MintsOf { get; set; }

    /// <summary>How many times each URL the front had answered "expired" to came back with no mint in between (by signature).</summary>
    public IReadOnlyDictionary<string, int> StaleUrlReuses => _staleUrlReuses;

    /// <summary>Decides a fault for a request (null: none). Called for every request before any check.</summary>
    public Func<FrontRequest, Fault?>? Faults { get; set; }

    /// <summary>One line per request: <c>METHOD key [part N] -> status [code]</c>.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>Multipart uploads the front saw created and not yet completed or aborted.</summary>
    public IReadOnlyCollection<string> OpenUploads => [.. _uploads.Keys];

    /// <summary>The open multipart uploads with their key and how many parts each holds.</summary>
    public IReadOnlyList<(string UploadId, string Key, int Parts)> OpenUploadDetails => [.. _uploads.Select(u => (u.Key, u.Value.Key, u.Value.Parts.Count))];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _http.Dispose();
        }
    }

    protected override async Task ServeAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        string raw = request.RawUrl ?? "/";
        int q = raw.IndexOf('?', StringComparison.Ordinal);
        string rawPath = q < 0 ? raw : raw[..q];
        string rawQuery = q < 0 ? string.Empty : raw[(q + 1)..];
        List<KeyValuePair<string, string>> query = SigV4.ParseQuery(rawQuery);
        string? Q(string name) => query.FirstOrDefault(p => p.Key == name).Value;
        bool Has(string name) => query.Any(p => p.Key == name);

        string path = Uri.UnescapeDataString(rawPath.TrimStart('/'));
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? path : path[..slash];
        string key = slash < 0 ? string.Empty : path[(slash + 1)..];
        int? partNumber = int.TryParse(Q("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        string method = request.HttpMethod;

        int attempt = _attempts.AddOrUpdate((key, partNumber ?? 0), 1, (_, a) => a + 1);
        string what = $"{method} {key}{(partNumber is { } p ? $" part {p}" : string.Empty)} #{attempt}";
        bool form = method == "POST" && key.Length == 0 && !Has("delete") && (request.ContentType ?? string.Empty).StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        string operation = (method, form, partNumber is not null, Has("uploads"), Has("uploadId")) switch
        {
            ("POST", true, _, _, _) => "PostObject",
            ("PUT", _, true, _, true) => "UploadPart",
            ("POST", _, _, true, _) => "CreateMultipartUpload",
            ("POST", _, _, _, true) => "CompleteMultipartUpload",
            ("DELETE", _, _, _, true) => "AbortMultipartUpload",
            ("GET" or "HEAD", _, false, _, true) => "ListParts",
            ("HEAD", _, _, _, _) => "HeadObject",
            ("GET", _, _, _, _) => "GetObject",
            ("PUT", _, _, _, _) => "PutObject",
            _ => method,
        };
        if (form)
        {
            // The form's key is in its body: the fault hook is asked once the form is read.
            await PostObjectAsync(context, bucket);
            return;
        }

        bool presigned = Has("X-Amz-Signature");
        bool loseAnswer = false;
        bool justExpired = false;
        switch (Faults?.Invoke(new FrontRequest(method, key, partNumber, attempt) { Operation = operation, Presigned = presigned }))
        {
            case Fault.Fail fail:
                await ReadBodyAsync(request);
                await ErrorAsync(context, what, fail.Status, fail.Code, "injected failure");
                return;
            case Fault.Hold hold:
                await Task.Delay(hold.Delay);
                break;
            case Fault.Expire when Q("X-Amz-Signature") is { } expiring:
                _expiredSignatures[expiring] = Mints(key);
                justExpired = true;
                break;
            case Fault.LoseAnswer:
                loseAnswer = true;
                break;
        }

        if (Q("X-Amz-Signature") is { } signed && _expiredSignatures.TryGetValue(signed, out int mintsThen) && (mintsThen < 0 || Mints(key) == mintsThen))
        {
            if (!justExpired)
            {
                // The caller sent a URL S3 already called expired, without asking for a new one (once may be fine: the
                // "expired" answer itself may have been lost on the way back).
                _staleUrlReuses.AddOrUpdate(signed, 1, (_, n) => n + 1);
            }

            await ReadBodyAsync(request);
            await ErrorAsync(context, what, 403, "AccessDenied", "Request has expired");
            return;
        }

        if (Has("X-Amz-Signature"))
        {
            (int Status, string Code, string Message)? refused = VerifyPresigned(request, method, rawPath, query);
            if (refused is { } r)
            {
                await ReadBodyAsync(request);
                await ErrorAsync(context, what, r.Status, r.Code, r.Message);
                return;
            }
        }

        if ((method == "GET" || method == "HEAD") && key.Length > 0 && Q("uploadId") is { } listId && partNumber is null)
        {
            await ListPartsAsync(context, what, bucket, key, listId, Q("max-parts"), Q("part-number-marker"));
            return;
        }

        byte[] body = await ReadBodyAsync(request);
        if (method == "PUT" && !(request.Headers["Content-Encoding"] ?? string.Empty).Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)
            && CheckDigests(request.Headers["Content-MD5"], request.Headers["x-amz-checksum-sha256"], body) is { } digestProblem)
        {
            await ErrorAsync(context, what, 400, "BadDigest", digestProblem);
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(method), new Uri(_emulator, raw.TrimStart('/')));
        var content = new ByteArrayContent(body);
        foreach (string? name in request.Headers.AllKeys)
        {
            if (name is null || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string value = request.Headers[name]!;
            if (!forward.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (method is "PUT" or "POST")
        {
            forward.Content = content;
        }
        else
        {
            content.Dispose();
        }

        using HttpResponseMessage answer = await _http.SendAsync(forward, HttpCompletionOption.ResponseContentRead);
        byte[] answerBody = await answer.Content.ReadAsByteArrayAsync();
        int status = (int)answer.StatusCode;
        Record(method, bucket, key, query, partNumber, body, request, status, answer, answerBody);

        HttpListenerResponse response = context.Response;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
        {
            if (header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            response.Headers[header.Key] = string.Join(",", header.Value);
        }

        if (loseAnswer)
        {
            _log.Enqueue($"{what} -> {status} (answer lost)");
            await LoseAnswerAsync(context.Response);
            return;
        }

        _log.Enqueue($"{what} -> {status}");
        if (method == "HEAD")
        {
            response.StatusCode = status;
            if (answer.Content.Headers.ContentType is { } headType)
            {
                response.ContentType = headType.ToString();
            }

            response.ContentLength64 = answer.Content.Headers.ContentLength ?? 0;
            response.Close();
            return;
        }

        await WriteAsync(response, status, answer.Content.Headers.ContentType?.ToString(), answerBody);
    }

    private void Record(string method, string bucket, string key, List<KeyValuePair<string, string>> query, int? partNumber, byte[] body,
        HttpListenerRequest request, int status, HttpResponseMessage answer, byte[] answerBody)
    {
        string? uploadId = query.FirstOrDefault(p => p.Key == "uploadId").Value;
        if (method == "POST" && query.Any(p => p.Key == "uploads") && status == 200)
        {
            string id = XDocument.Parse(Encoding.UTF8.GetString(answerBody)).Descendants().First(e => e.Name.LocalName == "UploadId").Value;
            _uploads[id] = new Upload(bucket, key);
        }
        else if (method == "PUT" && uploadId is not null && partNumber is { } part && status == 200 && _uploads.TryGetValue(uploadId, out Upload? upload))
        {
            long size = long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out long decoded) ? decoded : body.Length;
            upload.Parts[part] = new Part(part, size, answer.Headers.ETag?.Tag ?? string.Empty, DateTime.UtcNow);
        }
        else if (uploadId is not null && ((method == "POST" && status == 200) || (method == "DELETE" && status is 204 or 200)))
        {
            _uploads.TryRemove(uploadId, out _);
        }
    }

    private (int, string, string)? VerifyPresigned(HttpListenerRequest request, string method, string rawPath, List<KeyValuePair<string, string>> query)
    {
        string? Q(string name) => query.FirstOrDefault(p => p.Key == name).Value;
        string[] credential = (Q("X-Amz-Credential") ?? string.Empty).Split('/');
        if (Q("X-Amz-Algorithm") != SigV4.Algorithm || credential.Length != 5 || Q("X-Amz-Date") is not { } amzDate || Q("X-Amz-SignedHeaders") is not { } signedList
            || !int.TryParse(Q("X-Amz-Expires"), NumberStyles.None, CultureInfo.InvariantCulture, out int expires))
        {
            return (400, "AuthorizationQueryParametersError", "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders are required.");
        }

        if (!_secrets.TryGetValue(credential[0], out string? secret))
        {
            return (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
        }

        DateTime signedAt = SigV4.ParseAmzDate(amzDate);
        if (DateTime.UtcNow > signedAt.AddSeconds(expires))
        {
            return (403, "AccessDenied", "Request has expired");
        }

        string[] signedHeaders = signedList.Split(';');
        if (request.Headers["Content-MD5"] is not null && !signedHeaders.Contains("content-md5"))
        {
            return (403, "AccessDenied", "There were headers present in the request which were not signed: content-md5");
        }

        string canonicalQuery = SigV4.CanonicalQuery(query.Where(p => p.Key != "X-Amz-Signature"));
        string canonical = SigV4.CanonicalRequest(method, SigV4.CanonicalUri(rawPath, doubleEncode: false), canonicalQuery, signedHeaders,
            name => request.Headers[name], "UNSIGNED-PAYLOAD");
        string expected = SigV4.Sign(credential[0], secret, credential[2], credential[3], signedAt, signedHeaders, canonical);
        return SigV4.FixedTimeEquals(expected, Q("X-Amz-Signature")!) ? null : (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
    }

    private static string? CheckDigests(string? contentMd5, string? sha256, byte[] body)
    {
        if (contentMd5 is not null && contentMd5 != Convert.ToBase64String(MD5.HashData(body)))
        {
            return "The Content-MD5 you specified did not match what we received.";
        }

        if (sha256 is not null && sha256 != Convert.ToBase64String(SHA256.HashData(body)))
        {
            return "The SHA256 you specified did not match the calculated checksum.";
        }

        return null;
    }

    private async Task ListPartsAsync(HttpListenerContext context, string what, string bucket, string key, string uploadId, string? maxPartsText, string? markerText)
    {
        if (!_uploads.TryGetValue(uploadId, out Upload? upload) || upload.Bucket != bucket || upload.Key != key)
        {
            await ErrorAsync(context, what, 404, "NoSuchUpload", "The specified upload does not exist.");
            return;
        }

        int maxParts = int.TryParse(maxPartsText, NumberStyles.None, CultureInfo.InvariantCulture, out int m) ? Math.Clamp(m, 0, 1000) : 1000;
        int marker = int.TryParse(markerText, NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : 0;
        List<Part> after = upload.Parts.Values.Where(p => p.Number > marker).OrderBy(p => p.Number).ToList();
        List<Part> page = after.Take(maxParts).ToList();
        bool truncated = after.Count > page.Count;
        XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        var result = new XElement(ns + "ListPartsResult",
            new XElement(ns + "Bucket", bucket),
            new XElement(ns + "Key", key),
            new XElement(ns + "UploadId", uploadId),
            new XElement(ns + "PartNumberMarker", marker),
            new XElement(ns + "NextPartNumberMarker", page.Count > 0 ? page[^1].Number : marker),
            new XElement(ns + "MaxParts", maxParts),
            new XElement(ns + "IsTruncated", truncated ? "true" : "false"),
            new XElement(ns + "StorageClass", "STANDARD"),
            page.Select(p => new XElement(ns + "Part",
                new XElement(ns + "PartNumber", p.Number),
                new XElement(ns + "LastModified", p.LastModified.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                new XElement(ns + "ETag", p.ETag),
                new XElement(ns + "Size", p.Size))));
        _log.Enqueue($"{what} ListParts -> 200 ({page.Count} parts{(truncated ? ", truncated" : string.Empty)})");
        await WriteAsync(context.Response, 200, "application/xml", Encoding.UTF8.GetBytes(new XDocument(new XDeclaration("1.0", "UTF-8", null), result).ToString()));
    }

    private async Task PostObjectAsync(HttpListenerContext context, string bucket)
    {
        byte[] body = await ReadBodyAsync(context.Request);
        string boundary = BoundaryPattern().Match(context.Request.ContentType!).Groups[1].Value.Trim('"');
        (Dictionary<string, string> fields, byte[]? file) = ParseForm(body, boundary);
        string? F(string name) => fields.TryGetValue(name, out string? v) ? v : null;
        string formKey = F("key") ?? string.Empty;
        int attempt = _attempts.AddOrUpdate((formKey, 0), 1, (_, a) => a + 1);
        string what = $"POST {formKey} #{attempt}";
        bool loseAnswer = false;
        switch (Faults?.Invoke(new FrontRequest("POST", formKey, null, attempt) { Operation = "PostObject", Presigned = true }))
        {
            case Fault.Fail fail:
                await ErrorAsync(context, what, fail.Status, fail.Code, "injected failure");
                return;
            case Fault.Hold hold:
                await Task.Delay(hold.Delay);
                break;
            case Fault.Expire when F("x-amz-signature") is { } expiring:
                _expiredSignatures[expiring] = -1; // a form is minted once
                break;
            case Fault.LoseAnswer:
                loseAnswer = true;
                break;
        }

        if (file is null || F("policy") is not { } policy || F("x-amz-signature") is not { } signature || F("x-amz-credential") is not { } credentialText || F("key") is not { } key)
        {
            await ErrorAsync(context, what, 400, "InvalidArgument", "POST requires file, key, Policy, X-Amz-Credential and X-Amz-Signature.");
            return;
        }

        if (_expiredSignatures.ContainsKey(signature))
        {
            await ErrorAsync(context, what, 403, "AccessDenied", "Invalid according to Policy: Policy expired.");
            return;
        }

        string[] credential = credentialText.Split('/');
        if (credential.Length != 5 || !_secrets.TryGetValue(credential[0], out string? secret))
        {
            await ErrorAsync(context, what, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
            return;
        }

        if (!SigV4.FixedTimeEquals(SigV4.SignString(secret, credential[1], credential[2], credential[3], policy), signature))
        {
            await ErrorAsync(context, what, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
            return;
        }

        using JsonDocument document = JsonDocument.Parse(Convert.FromBase64String(policy));
        if (DateTime.Parse(document.RootElement.GetProperty("expiration").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal) < DateTime.UtcNow)
        {
            await ErrorAsync(context, what, 403, "AccessDenied", "Invalid according to Policy: Policy expired.");
            return;
        }

        var covered = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "policy", "x-amz-signature", "file" };
        var values = new Dictionary<string, string>(fields, StringComparer.OrdinalIgnoreCase) { ["bucket"] = bucket };
        foreach (JsonElement condition in document.RootElement.GetProperty("conditions").EnumerateArray())
        {
            string? problem = null;
            if (condition.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty exact in condition.EnumerateObject())
                {
                    covered.Add(exact.Name);
                    if (!values.TryGetValue(exact.Name, out string? v) || v != exact.Value.GetString())
                    {
                        problem ??= $"Policy Condition failed: [\"eq\", \"${exact.Name}\", \"{exact.Value.GetString()}\"]";
                    }
                }
            }
            else
            {
                string op = condition[0].GetString()!.ToLowerInvariant();
                if (op == "content-length-range")
                {
                    long min = condition[1].GetInt64(), max = condition[2].GetInt64();
                    if (file.Length > max)
                    {
                        await ErrorAsync(context, what, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
                        return;
                    }

                    if (file.Length < min)
                    {
                        await ErrorAsync(context, what, 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
                        return;
                    }

                    continue;
                }

                string field = condition[1].GetString()!.TrimStart('$');
                string expected = condition[2].GetString()!;
                covered.Add(field);
                values.TryGetValue(field, out string? actual);
                bool ok = op switch
                {
                    "eq" => actual == expected,
                    "starts-with" => actual is not null && actual.StartsWith(expected, StringComparison.Ordinal),
                    _ => false,
                };
                if (!ok)
                {
                    problem = $"Policy Condition failed: [\"{op}\", \"${field}\", \"{expected}\"]";
                }
            }

            if (problem is not null)
            {
                await ErrorAsync(context, what, 403, "AccessDenied", "Invalid according to " + problem);
                return;
            }
        }

        if (fields.Keys.FirstOrDefault(f => !covered.Contains(f) && !f.StartsWith("x-ignore-", StringComparison.OrdinalIgnoreCase)) is { } extra)
        {
            await ErrorAsync(context, what, 403, "AccessDenied", $"Invalid according to Policy: Extra input fields: {extra}");
            return;
        }

        if (CheckDigests(null, F("x-amz-checksum-sha256"), file) is { } digestProblem)
        {
            await ErrorAsync(context, what, 400, "BadDigest", digestProblem);
            return;
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(_emulator, $"{SigV4.Encode(bucket)}/{string.Join('/', key.Split('/').Select(SigV4.Encode))}"));
        put.Content = new ByteArrayContent(file);
        put.Content.Headers.TryAddWithoutValidation("Content-Type", F("content-type") ?? "binary/octet-stream");
        // fauxqs wants a signed-looking request; it does not verify it.
        put.Headers.TryAddWithoutValidation("Authorization", $"{SigV4.Algorithm} Credential={credentialText}, SignedHeaders=host, Signature={signature}");
        using HttpResponseMessage stored = await _http.SendAsync(put);
        if (!stored.IsSuccessStatusCode)
        {
            await ErrorAsync(context, what, (int)stored.StatusCode, "InternalError", await stored.Content.ReadAsStringAsync());
            return;
        }

        context.Response.Headers["ETag"] = stored.Headers.ETag?.Tag ?? string.Empty;
        context.Response.Headers["Location"] = new Uri(Url, $"{bucket}/{key}").ToString();
        int status = F("success_action_status") is "200" or "201" ? int.Parse(F("success_action_status")!, CultureInfo.InvariantCulture) : 204;
        if (loseAnswer)
        {
            _log.Enqueue($"{what} PostObject {key} -> {status} (answer lost)");
            await LoseAnswerAsync(context.Response);
            return;
        }

        _log.Enqueue($"{what} PostObject {key} -> {status}");
        await WriteAsync(context.Response, status, null, ReadOnlyMemory<byte>.Empty);
    }

    private static (Dictionary<string, string> Fields, byte[]? File) ParseForm(byte[] body, string boundary)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        byte[]? file = null;
        byte[] delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        int position = IndexOf(body, delimiter, 0);
        while (position >= 0)
        {
            int start = position + delimiter.Length;
            if (start + 2 <= body.Length && body[start] == '-' && body[start + 1] == '-')
            {
                break;
            }

            start += 2; // CRLF
            int next = IndexOf(body, delimiter, start);
            if (next < 0)
            {
                break;
            }

            int headersEnd = IndexOf(body, "\r\n\r\n"u8.ToArray(), start);
            string headers = Encoding.UTF8.GetString(body, start, headersEnd - start);
            int contentStart = headersEnd + 4;
            int contentEnd = next - 2; // CRLF before the delimiter
            string name = NamePattern().Match(headers).Groups[1].Value;
            byte[] content = body[contentStart..contentEnd];
            if (name.Equals("file", StringComparison.OrdinalIgnoreCase))
            {
                file = content;
            }
            else
            {
                fields[name] = Encoding.UTF8.GetString(content);
            }

            position = next;
        }

        return (fields, file);
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int from) => haystack.AsSpan(from).IndexOf(needle) is int i and >= 0 ? from + i : -1;

    /// <summary>
    /// The connection drops before the answer is complete. (HttpListener's Abort alone would still send the status line
    /// and headers of a 200: it closes the response stream first.) Headers promise a body, part of it is sent, then the
    /// connection is aborted: the caller sees the answer end prematurely.
    /// </summary>
    private static async Task LoseAnswerAsync(HttpListenerResponse response)
    {
        response.StatusCode = 500;
        response.ContentLength64 = 1024;
        await response.OutputStream.WriteAsync(Encoding.ASCII.GetBytes("<?xml version="));
        await response.OutputStream.FlushAsync();
        response.Abort();
    }

    private int Mints(string key)
    {
        string[] segments = key.Split('/');
        return MintsOf is { } mints && segments.Length >= 2 ? mints(segments[^2]) : -1;
    }

    private async Task ErrorAsync(HttpListenerContext context, string what, int status, string code, string message)
    {
        _log.Enqueue($"{what} -> {status} {code}");
        if (context.Request.HttpMethod == "HEAD")
        {
            // As S3: a HEAD answer has no body (bytes after it would be read as the next answer on the connection).
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = 0;
            context.Response.Close();
            return;
        }

        var error = new XElement("Error", new XElement("Code", code), new XElement("Message", message), new XElement("RequestId", Guid.NewGuid().ToString("N")));
        await WriteAsync(context.Response, status, "application/xml", Encoding.UTF8.GetBytes(new XDocument(new XDeclaration("1.0", "UTF-8", null), error).ToString()));
    }

    [GeneratedRegex("boundary=([^;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex BoundaryPattern();

    [GeneratedRegex("[; ]name=\"?([^\";\r\n]*)", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    private sealed record Upload(string Bucket, string Key)
    {
        public ConcurrentDictionary<int, Part> Parts { get; } = new();
    }

    private sealed record Part(int Number, long Size, string ETag, DateTime LastModified);
}
