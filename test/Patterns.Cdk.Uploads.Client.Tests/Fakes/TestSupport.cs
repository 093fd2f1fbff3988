using System.Buffers;
using System.Security.Cryptography;

namespace Patterns.Cdk.Uploads.Client.Tests.Fakes;

/// <summary>Temp files, clients wired to the fake, and a pool that counts its buffers.</summary>
internal sealed class UploadFixture : IDisposable
{
    private readonly List<string> _files = [];
    private readonly HttpClient _http;

    public UploadFixture()
    {
        _http = new HttpClient(Fake, disposeHandler: false);
    }

    public FakeUploadService Fake { get; } = new();

    public CountingPool Pool { get; } = new();

    public UploadClient Client(
        int parallel = 8,
        int attempts = 5,
        int batch = 64,
        Uri? url = null,
        string? apiId = null,
        ImmutableCredentialsPair? caller = null,
        bool abortOnFailure = true) =>
        new(Options(parallel, attempts, batch, url, apiId, caller, abortOnFailure), _http, _http);

    public UploadClientOptions Options(
        int parallel = 8,
        int attempts = 5,
        int batch = 64,
        Uri? url = null,
        string? apiId = null,
        ImmutableCredentialsPair? caller = null,
        bool abortOnFailure = true) =>
        new()
        {
            ApiUrl = url ?? FakeUploadService.PrivateDnsUrl,
            Region = FakeUploadService.Region,
            ApiId = apiId,
            Credentials = (caller ?? FakeUploadService.Alice).ToCredentials(),
            MaxParallelParts = parallel,
            MaxAttemptsPerPart = attempts,
            PartUrlBatchSize = batch,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            BufferPool = Pool,
            AbortOnFailure = abortOnFailure,
        };

    /// <summary>Copies CLI-made options onto the fake (credentials, pool, fast retries).</summary>
    public UploadClient ClientFor(UploadClientOptions fromCli) =>
        new(
            new UploadClientOptions
            {
                ApiUrl = fromCli.ApiUrl,
                Region = fromCli.Region,
                ApiId = fromCli.ApiId,
                MaxParallelParts = fromCli.MaxParallelParts,
                Credentials = FakeUploadService.Alice.ToCredentials(),
                RetryBaseDelay = TimeSpan.FromMilliseconds(1),
                BufferPool = Pool,
            },
            _http,
            _http);

    public string File(long size, string extension = ".bin")
    {
        string path = Path.Combine(Path.GetTempPath(), $"upload-test-{Guid.NewGuid():N}{extension}");
        using (FileStream stream = System.IO.File.Create(path))
        {
            byte[] chunk = new byte[Math.Min(size, 1 << 20)];
            for (long left = size; left > 0; left -= chunk.Length)
            {
                RandomNumberGenerator.Fill(chunk);
                stream.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            }
        }

        _files.Add(path);
        return path;
    }

    public static string Sha256Of(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    public static string Sha256OfFile(string path) => Convert.ToHexString(SHA256.HashData(System.IO.File.ReadAllBytes(path)));

    public void Dispose()
    {
        _http.Dispose();
        Fake.Dispose();
        foreach (string file in _files)
        {
            System.IO.File.Delete(file);
        }
    }
}

/// <summary>A pool that counts buffers out at once and in total.</summary>
internal sealed class CountingPool : ArrayPool<byte>
{
    private int _out;
    private int _maxOut;
    private int _rented;

    public int Outstanding => Volatile.Read(ref _out);

    public int MaxOutstanding => Volatile.Read(ref _maxOut);

    public int Rented => Volatile.Read(ref _rented);

    public long LargestRequest { get; private set; }

    public override byte[] Rent(int minimumLength)
    {
        Interlocked.Increment(ref _rented);
        int now = Interlocked.Increment(ref _out);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxOut)) && Interlocked.CompareExchange(ref _maxOut, now, seen) != seen)
        {
        }

        lock (this)
        {
            LargestRequest = Math.Max(LargestRequest, minimumLength);
        }

        return new byte[minimumLength];
    }

    public override void Return(byte[] array, bool clearArray = false) => Interlocked.Decrement(ref _out);
}

/// <summary>A stream that cannot seek (a pipe, a network body).</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7919));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer[..Math.Min(buffer.Length, 7919)], cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
