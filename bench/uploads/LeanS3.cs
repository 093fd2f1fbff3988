using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Patterns.Cdk.Uploads.Bench;

/// <summary>
/// A lean local S3 endpoint for the benchmark: the multipart operations both uploaders use (create, upload part, list
/// parts, complete, abort) plus bucket creation, head, get and delete of objects, path-style, on Kestrel (multi-threaded).
/// Parts are kept in memory, in 1 MiB chunks (each byte copied once, from the request into a chunk); an object is its
/// parts' chunks in order (no copy on completion).
/// It checks no signature, no Content-MD5 and no checksum, and its ETags are opaque (not MD5s): it does as little as
/// possible per byte, the same for every uploader, so that the uploaders, not the endpoint, are what is measured.
/// aws-chunked bodies (the AWS SDK's signed streaming uploads over http) are decoded, so what is stored is the file.
/// </summary>
internal sealed class LeanS3 : IAsyncDisposable
{
    private static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Upload> _uploads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Bucket, string Key), StoredObject> _objects = new();
    private long _sequence;

    private LeanS3(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    private readonly ConcurrentDictionary<string, int> _partPayloads = new(StringComparer.Ordinal);

    /// <summary>How the part bodies since the last call were sent (their <c>x-amz-content-sha256</c>, or
    /// <c>UNSIGNED-PAYLOAD</c> for a presigned URL), and clears the count.</summary>
    public string TakePartPayloads()
    {
        string seen = string.Join(", ", _partPayloads.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} x{p.Value}"));
        _partPayloads.Clear();
        return seen;
    }

    /// <summary>With <paramref name="certificate"/>, https only (as S3 is used), else http.</summary>
    public static async Task<LeanS3> StartAsync(X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(System.Net.IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var s3 = new LeanS3(builder.Build());
        s3._app.Run(s3.ServeAsync);
        await s3._app.StartAsync();
        string address = s3._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        s3.Url = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal).Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return s3;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, valid for a day.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=lean-s3.bench.local", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
    }

    /// <summary>An HTTP handler that trusts exactly the certificate with this SHA-256 thumbprint (the benchmark's own).</summary>
    public static SocketsHttpHandler PinnedHandler(string thumbprint) => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase),
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string path = Uri.UnescapeDataString(request.Path.Value?.TrimStart('/') ?? string.Empty);
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? path : path[..slash];
        string key = slash < 0 ? string.Empty : path[(slash + 1)..];
        string? uploadId = request.Query["uploadId"];
        string? partText = request.Query["partNumber"];
        bool hasUploads = request.Query.ContainsKey("uploads");

        switch (request.Method)
        {
            case "PUT" when key.Length == 0:
                _buckets[bucket] = true;
                context.Response.StatusCode = 200;
                return;
            case "POST" when hasUploads:
                await CreateAsync(context, bucket, key);
                return;
            case "PUT" when uploadId is not null && partText is not null:
                await UploadPartAsync(context, uploadId, int.Parse(partText, CultureInfo.InvariantCulture));
                return;
            case "GET" when uploadId is not null:
                await ListPartsAsync(context, bucket, key, uploadId);
                return;
            case "POST" when uploadId is not null:
                await CompleteAsync(context, bucket, key, uploadId);
                return;
            case "DELETE" when uploadId is not null:
                _uploads.TryRemove(uploadId, out _);

                context.Response.StatusCode = 204;
                return;
            case "HEAD" or "GET" when key.Length > 0:
                await ReadAsync(context, bucket, key, request.Method == "GET");
                return;
            case "DELETE" when key.Length > 0:
                _objects.TryRemove((bucket, key), out _);
                context.Response.StatusCode = 204;
                return;
            default:
                await ErrorAsync(context, 501, "NotImplemented", $"{request.Method} {request.Path}{request.QueryString} is not served by the benchmark's lean S3.");
                return;
        }
    }

    private async Task CreateAsync(HttpContext context, string bucket, string key)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(context, 404, "NoSuchBucket", bucket);
            return;
        }

        string id = "lean" + Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N");
        var upload = new Upload(bucket, key, context.Request.ContentType ?? "binary/octet-stream");
        _uploads[id] = upload;
        await XmlAsync(context, new XElement(Ns + "InitiateMultipartUploadResult",
            new XElement(Ns + "Bucket", bucket), new XElement(Ns + "Key", key), new XElement(Ns + "UploadId", id)));
    }

    private async Task UploadPartAsync(HttpContext context, string uploadId, int partNumber)
    {
        if (!_uploads.TryGetValue(uploadId, out Upload? upload))
        {
            await ErrorAsync(context, 404, "NoSuchUpload", uploadId);
            return;
        }

        string payload = context.Request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } declared ? declared
            : context.Request.Query.ContainsKey("X-Amz-Signature") ? "UNSIGNED-PAYLOAD" : "unsigned, no header";
        _partPayloads.AddOrUpdate(payload, 1, (_, n) => n + 1);
        var data = new ChunkList();
        bool chunked = context.Request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase);
        long size = chunked
            ? await AwsChunked.DecodeAsync(context.Request.Body, data, context.RequestAborted)
            : await CopyAsync(context.Request.Body, data, context.RequestAborted);
        string etag = "\"" + Convert.ToHexStringLower(BitConverter.GetBytes(HashCode.Combine(uploadId, partNumber, size, Interlocked.Increment(ref _sequence)))) + "\"";
        upload.Parts[partNumber] = new Part(partNumber, size, etag, data, DateTime.UtcNow);
        context.Response.Headers.ETag = etag;
        context.Response.StatusCode = 200;
    }

    private async Task ListPartsAsync(HttpContext context, string bucket, string key, string uploadId)
    {
        if (!_uploads.TryGetValue(uploadId, out Upload? upload) || upload.Bucket != bucket || upload.Key != key)
        {
            await ErrorAsync(context, 404, "NoSuchUpload", uploadId);
            return;
        }

        int marker = int.TryParse(context.Request.Query["part-number-marker"], NumberStyles.None, CultureInfo.InvariantCulture, out int m) ? m : 0;
        int max = int.TryParse(context.Request.Query["max-parts"], NumberStyles.None, CultureInfo.InvariantCulture, out int x) ? Math.Min(x, 1000) : 1000;
        List<Part> all = [.. upload.Parts.Values.Where(p => p.Number > marker).OrderBy(p => p.Number)];
        List<Part> page = [.. all.Take(max)];
        bool truncated = all.Count > page.Count;
        await XmlAsync(context, new XElement(Ns + "ListPartsResult",
            new XElement(Ns + "Bucket", bucket), new XElement(Ns + "Key", key), new XElement(Ns + "UploadId", uploadId),
            new XElement(Ns + "PartNumberMarker", marker), new XElement(Ns + "NextPartNumberMarker", page.Count > 0 ? page[^1].Number : marker),
            new XElement(Ns + "MaxParts", max), new XElement(Ns + "IsTruncated", truncated ? "true" : "false"),
            page.Select(p => new XElement(Ns + "Part",
                new XElement(Ns + "PartNumber", p.Number), new XElement(Ns + "LastModified", p.Stored.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
                new XElement(Ns + "ETag", p.ETag), new XElement(Ns + "Size", p.Size)))));
    }

    private async Task CompleteAsync(HttpContext context, string bucket, string key, string uploadId)
    {
        if (!_uploads.TryGetValue(uploadId, out Upload? upload) || upload.Bucket != bucket || upload.Key != key)
        {
            await ErrorAsync(context, 404, "NoSuchUpload", uploadId);
            return;
        }

        XDocument asked = await XDocument.LoadAsync(context.Request.Body, LoadOptions.None, context.RequestAborted);
        var chosen = new List<Part>();
        int previous = 0;
        foreach (XElement element in asked.Descendants().Where(e => e.Name.LocalName == "Part"))
        {
            int number = int.Parse(element.Elements().First(e => e.Name.LocalName == "PartNumber").Value, CultureInfo.InvariantCulture);
            string etag = element.Elements().First(e => e.Name.LocalName == "ETag").Value;
            if (number <= previous)
            {
                await ErrorAsync(context, 400, "InvalidPartOrder", $"part {number} after part {previous}");
                return;
            }

            if (!upload.Parts.TryGetValue(number, out Part? part) || part.ETag.Trim('"') != etag.Trim('"'))
            {
                await ErrorAsync(context, 400, "InvalidPart", $"part {number} with ETag {etag}");
                return;
            }

            chosen.Add(part);
            previous = number;
        }

        if (chosen.Count == 0)
        {
            await ErrorAsync(context, 400, "MalformedXML", "no parts");
            return;
        }

        _uploads.TryRemove(uploadId, out _);
        string etagOut = "\"" + Convert.ToHexStringLower(BitConverter.GetBytes(HashCode.Combine(uploadId, chosen.Count))) + "-" + chosen.Count.ToString(CultureInfo.InvariantCulture) + "\"";
        _objects[(bucket, key)] = new StoredObject([.. chosen.Select(p => p.Data)], chosen.Sum(p => p.Size), upload.ContentType, etagOut, DateTime.UtcNow);
        await XmlAsync(context, new XElement(Ns + "CompleteMultipartUploadResult",
            new XElement(Ns + "Location", new Uri(Url, $"{bucket}/{key}")), new XElement(Ns + "Bucket", bucket), new XElement(Ns + "Key", key), new XElement(Ns + "ETag", etagOut)));
    }

    private async Task ReadAsync(HttpContext context, string bucket, string key, bool withBody)
    {
        if (!_objects.TryGetValue((bucket, key), out StoredObject? stored))
        {
            await ErrorAsync(context, 404, "NoSuchKey", key, withBody);
            return;
        }

        HttpResponse response = context.Response;
        response.StatusCode = 200;
        response.ContentLength = stored.Size;
        response.ContentType = stored.ContentType;
        response.Headers.ETag = stored.ETag;
        response.Headers.LastModified = stored.Stored.ToString("R", CultureInfo.InvariantCulture);
        if (withBody)
        {
            foreach (ChunkList part in stored.Parts)
            {
                await part.WriteToAsync(response.Body, context.RequestAborted);
            }
        }
    }

    private static async Task<long> CopyAsync(Stream input, ChunkList output, CancellationToken ct)
    {
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(output.FreeSpace(), ct)) > 0)
        {
            output.Advance(read);
            total += read;
        }

        return total;
    }

    private static async Task XmlAsync(HttpContext context, XElement body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body.ToString(SaveOptions.DisableFormatting));
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message, bool withBody = true)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        if (withBody)
        {
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>");
        }
    }

    private sealed record Upload(string Bucket, string Key, string ContentType)
    {
        public ConcurrentDictionary<int, Part> Parts { get; } = new();
    }

    private sealed record Part(int Number, long Size, string ETag, ChunkList Data, DateTime Stored);

    private sealed record StoredObject(ChunkList[] Parts, long Size, string ContentType, string ETag, DateTime Stored);
}

/// <summary>
/// Decodes an aws-chunked body (<c>size-in-hex[;chunk-signature=…]\r\n data \r\n</c> …, a zero-size chunk, then optional
/// trailer lines and an empty line), writing only the data. Signatures and trailing checksums are not checked.
/// </summary>
internal static class AwsChunked
{
    public static async Task<long> DecodeAsync(Stream input, ChunkList output, CancellationToken ct)
    {
        var reader = new BufferedReader(input);
        long total = 0;
        while (true)
        {
            string header = await reader.ReadLineAsync(ct) ?? throw new InvalidDataException("aws-chunked: body ended before the last chunk");
            int semicolon = header.IndexOf(';', StringComparison.Ordinal);
            long size = long.Parse(semicolon < 0 ? header : header[..semicolon], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(ct)))
                {
                    // trailer lines (x-amz-checksum-…, x-amz-trailer-signature) up to the empty line
                }

                return total;
            }

            await reader.CopyAsync(output, size, ct);
            total += size;
            if (await reader.ReadLineAsync(ct) is not "")
            {
                throw new InvalidDataException("aws-chunked: a chunk's data is not followed by CRLF");
            }
        }
    }

    private sealed class BufferedReader(Stream input)
    {
        private readonly byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken ct)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    return line.Length == 0 ? null : line.ToString();
                }

                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int stop = newline < 0 ? _end : newline;
                line.Append(Encoding.ASCII.GetString(_buffer, _start, stop - _start));
                if (newline >= 0)
                {
                    _start = newline + 1;
                    return line.ToString().TrimEnd('\r');
                }

                _start = _end;
            }
        }

        public async Task CopyAsync(ChunkList output, long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new InvalidDataException("aws-chunked: body ended inside a chunk");
                }

                int take = (int)Math.Min(count, _end - _start);
                output.Write(_buffer.AsSpan(_start, take));
                _start += take;
                count -= take;
            }
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await input.ReadAsync(_buffer, ct);
            return _end > 0;
        }
    }
}

/// <summary>The AWS SDK's HTTP clients for the benchmark: trusting only the lean S3's pinned certificate.</summary>
internal sealed class PinnedHttpClientFactory(string thumbprint) : Amazon.Runtime.HttpClientFactory
{
    public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(LeanS3.PinnedHandler(thumbprint));

    public override bool UseSDKHttpClientCaching(Amazon.Runtime.IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(Amazon.Runtime.IClientConfig clientConfig) => false;
}

/// <summary>Bytes held in 1 MiB chunks: appended without copying what is already there, read back in order.</summary>
internal sealed class ChunkList
{
    private const int ChunkSize = 1 << 20;
    private readonly List<byte[]> _chunks = [];
    private int _used = ChunkSize; // in the last chunk

    /// <summary>Room to read into, at the end (a new chunk when the last is full); <see cref="Advance"/> then.</summary>
    public Memory<byte> FreeSpace()
    {
        if (_used == ChunkSize)
        {
            _chunks.Add(GC.AllocateUninitializedArray<byte>(ChunkSize));
            _used = 0;
        }

        return _chunks[^1].AsMemory(_used);
    }

    public void Advance(int count) => _used += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            Span<byte> free = FreeSpace().Span;
            int take = Math.Min(free.Length, bytes.Length);
            bytes[..take].CopyTo(free);
            Advance(take);
            bytes = bytes[take..];
        }
    }

    public async Task WriteToAsync(Stream output, CancellationToken ct)
    {
        for (int i = 0; i < _chunks.Count; i++)
        {
            await output.WriteAsync(_chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _used : ChunkSize), ct);
        }
    }
}
