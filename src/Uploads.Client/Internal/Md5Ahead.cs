using System.Security.Cryptography;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// The MD5 of each part of a file, computed in part order on a thread of its own from before the upload starts, for
/// the part size the API is expected to choose (<see cref="ExpectedPartSize"/>). It runs while the file's SHA-256 is
/// computed for <c>POST /uploads</c>, so the two passes share the wall time; when the API then chooses that part size,
/// the part URLs need no MD5 pass of their own. Another part size, or a failure, only means it goes unused.
/// </summary>
internal sealed class Md5Ahead : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TaskCompletionSource<string>[] _parts;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private Md5Ahead(ContentSource source, long partSize)
    {
        PartSize = partSize;
        int count = (int)((source.Length + partSize - 1) / partSize);
        _parts = new TaskCompletionSource<string>[count];
        for (int i = 0; i < count; i++)
        {
            _parts[i] = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _run = Task.Run(() => RunAsync(source, _stop.Token));
    }

    public long PartSize { get; }

    /// <summary>
    /// The part size PrivateUploadApi chooses for a multipart upload of <paramref name="size"/> bytes: max(8 MiB,
    /// ceil(size / 10,000) rounded up to a whole MiB). Null for sizes it uploads in one request (up to 8 MiB).
    /// </summary>
    public static long? ExpectedPartSize(long size) =>
        size <= 8 * MiB ? null : Math.Max(8 * MiB, ((((size + 9_999) / 10_000) + MiB - 1) / MiB) * MiB);

    /// <summary>Starts for a file (random access) large enough for a multipart upload; null otherwise.</summary>
    public static Md5Ahead? StartFor(ContentSource source) =>
        source.IsRandomAccess && ExpectedPartSize(source.Length) is { } partSize ? new Md5Ahead(source, partSize) : null;

    /// <summary>The part's base64 MD5, once computed (part numbers from 1).</summary>
    public Task<string> GetAsync(int partNumber, CancellationToken ct) => _parts[partNumber - 1].Task.WaitAsync(ct);

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _run.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // its results are a head start only
        }

        _stop.Dispose();
    }

    private async Task RunAsync(ContentSource source, CancellationToken ct)
    {
#pragma warning disable CA5351 // S3's Content-MD5 integrity check of a part's bytes, not a security use
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        byte[] chunk = new byte[1 << 20];
        try
        {
            for (int part = 0; part < _parts.Length; part++)
            {
                long start = part * PartSize;
                long end = Math.Min(start + PartSize, source.Length);
                for (long offset = start; offset < end;)
                {
                    int want = (int)Math.Min(chunk.Length, end - offset);
                    await source.ReadAtAsync(chunk.AsMemory(0, want), offset, ct).ConfigureAwait(false);
                    md5.AppendData(chunk, 0, want);
                    offset += want;
                }

                _parts[part].TrySetResult(Convert.ToBase64String(md5.GetHashAndReset()));
            }
        }
        catch (Exception e)
        {
            foreach (TaskCompletionSource<string> pending in _parts)
            {
                pending.TrySetException(e);
            }
        }
    }
}
