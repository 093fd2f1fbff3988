using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// Where the bytes come from: a file handle read by offset (<see cref="RandomAccess"/>, parts read in parallel) or a
/// stream read front to back (parts read one after another, still uploaded in parallel).
/// </summary>
internal abstract class ContentSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Whether parts can be read by offset, in any order and at the same time.</summary>
    public abstract bool IsRandomAccess { get; }

    /// <summary>Whether the content can be read twice (hash first, upload after).</summary>
    public abstract bool CanHash { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> (random access only).</summary>
    public virtual ValueTask ReadAtAsync(Memory<byte> buffer, long offset, CancellationToken ct) =>
        throw new NotSupportedException();

    /// <summary>Fills <paramref name="buffer"/> with the next bytes (sequential only).</summary>
    public virtual ValueTask ReadNextAsync(Memory<byte> buffer, CancellationToken ct) =>
        throw new NotSupportedException();

    /// <summary>Fails when a sequential source has bytes beyond the declared length.</summary>
    public virtual ValueTask EnsureEndAsync(CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>The base64 SHA-256 of the whole content.</summary>
    public abstract Task<string> Sha256Async(CancellationToken ct);

    public void Dispose() => DisposeCore();

    protected virtual void DisposeCore()
    {
    }

    protected static IOException Truncated(long expected) =>
        new($"The content ended before its declared length of {expected} bytes; it changed or the declared size is wrong.");
}

/// <summary>A file (or a <see cref="FileStream"/>'s handle from its position on), read by offset.</summary>
internal sealed class FileSource : ContentSource
{
    private const int HashChunk = 1 << 20;
    private readonly SafeFileHandle _handle;
    private readonly bool _ownsHandle;
    private readonly long _start;

    private FileSource(SafeFileHandle handle, bool ownsHandle, long start, long length)
    {
        _handle = handle;
        _ownsHandle = ownsHandle;
        _start = start;
        Length = length;
    }

    public override long Length { get; }

    public override bool IsRandomAccess => true;

    public override bool CanHash => true;

    public static FileSource Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        try
        {
            return new FileSource(handle, ownsHandle: true, 0, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public static FileSource FromStream(FileStream stream, long length) => new(stream.SafeFileHandle, ownsHandle: false, stream.Position, length);

    public override async ValueTask ReadAtAsync(Memory<byte> buffer, long offset, CancellationToken ct)
    {
        while (buffer.Length > 0)
        {
            int read = await RandomAccess.ReadAsync(_handle, buffer, _start + offset, ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw Truncated(Length);
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    public override async Task<string> Sha256Async(CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[(int)Math.Min(HashChunk, Math.Max(1, Length))];
        for (long offset = 0; offset < Length;)
        {
            int want = (int)Math.Min(chunk.Length, Length - offset);
            await ReadAtAsync(chunk.AsMemory(0, want), offset, ct).ConfigureAwait(false);
            hash.AppendData(chunk, 0, want);
            offset += want;
        }

        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    protected override void DisposeCore()
    {
        if (_ownsHandle)
        {
            _handle.Dispose();
        }
    }
}

/// <summary>Any other stream, read front to back; a seekable one is hashed first and rewound.</summary>
internal sealed class StreamSource(Stream stream, long length) : ContentSource
{
    public override long Length { get; } = length;

    public override bool IsRandomAccess => false;

    public override bool CanHash => stream.CanSeek;

    public override async ValueTask ReadNextAsync(Memory<byte> buffer, CancellationToken ct)
    {
        int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read < buffer.Length)
        {
            throw Truncated(Length);
        }
    }

    public override async ValueTask EnsureEndAsync(CancellationToken ct)
    {
        byte[] probe = new byte[1];
        if (await stream.ReadAsync(probe, ct).ConfigureAwait(false) > 0)
        {
            throw new IOException($"The stream has more bytes than its declared length of {Length}; declare the exact size.");
        }
    }

    public override async Task<string> Sha256Async(CancellationToken ct)
    {
        long start = stream.Position;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[1 << 20];
        long left = Length;
        while (left > 0)
        {
            int read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw Truncated(Length);
            }

            hash.AppendData(chunk, 0, read);
            left -= read;
        }

        stream.Position = start;
        return Convert.ToBase64String(hash.GetHashAndReset());
    }
}
