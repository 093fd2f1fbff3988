using System.Buffers;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// The hash-ahead pass over a file: the MD5 of each of the given parts, in that order, on a thread of its own, read in
/// 1 MiB chunks (no part buffer), so that part URLs (which sign the MD5) can be fetched before the parts are read for
/// sending. <see cref="StartFor"/> starts it before the upload's session exists, beside the SHA-256 pass, for the part
/// size the API is expected to choose (<see cref="ExpectedPartSize"/>); if the API chooses another, that one goes unused
/// and the upload starts its own. A failure only means each part computes its own MD5 before it is sent.
/// </summary>
internal sealed class Md5Ahead : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const int ChunkSize = 1 << 20;
    private readonly Dictionary<int, TaskCompletionSource<string>> _parts;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private Md5Ahead(ContentSource source, long partSize, IReadOnlyList<int> partNumbers)
    {
        PartSize = partSize;
        _parts = partNumbers.ToDictionary(n => n, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        _run = Task.Run(() => RunAsync(source, partNumbers, _stop.Token));
    }

    public long PartSize { get; }

    /// <summary>
    /// The part size PrivateUploadApi chooses for a multipart upload of <paramref name="size"/> bytes: max(8 MiB,
    /// ceil(size / 10,000) rounded up to a whole MiB). Null for sizes it uploads in one request (up to 8 MiB).
    /// </summary>
    public static long? ExpectedPartSize(long size) =>
        size <= 8 * MiB ? null : Math.Max(8 * MiB, ((((size + 9_999) / 10_000) + MiB - 1) / MiB) * MiB);

    /// <summary>Starts over every part, for the expected part size, when the source is a file large enough for a multipart upload; null otherwise.</summary>
    public static Md5Ahead? StartFor(ContentSource source) =>
        source.IsRandomAccess && ExpectedPartSize(source.Length) is { } partSize
            ? Start(source, partSize, [.. Enumerable.Range(1, (int)((source.Length + partSize - 1) / partSize))])
            : null;

    /// <summary>Starts over <paramref name="partNumbers"/> (in that order) of a file.</summary>
    public static Md5Ahead Start(ContentSource source, long partSize, IReadOnlyList<int> partNumbers) => new(source, partSize, partNumbers);

    /// <summary>The part's base64 MD5, once computed.</summary>
    public Task<string> GetAsync(int partNumber, CancellationToken ct) => _parts[partNumber].Task.WaitAsync(ct);

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

    private async Task RunAsync(ContentSource source, IReadOnlyList<int> partNumbers, CancellationToken ct)
    {
        try
        {
            foreach (int partNumber in partNumbers)
            {
                long offset = (partNumber - 1) * PartSize;
                int length = (int)Math.Min(PartSize, source.Length - offset);
                _parts[partNumber].TrySetResult(await FileRegionContent.Md5Async(source, offset, length, ArrayPool<byte>.Shared, ChunkSize, ct).ConfigureAwait(false));
            }
        }
        catch (Exception e)
        {
            foreach (TaskCompletionSource<string> pending in _parts.Values)
            {
                pending.TrySetException(e);
            }
        }
    }
}
