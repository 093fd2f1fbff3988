using System.Buffers;
using System.Net;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// One part of a file as a request body, read from the file while it is sent: one pooled chunk at a time, never the
/// whole part. Each attempt makes a new instance, so a retry reads the part again from the file.
/// </summary>
internal sealed class FileRegionContent(ContentSource source, long offset, int partLength, ArrayPool<byte> pool, int chunkSize) : HttpContent
{
    /// <summary>The chunk a part is read and sent in: large enough for few reads and writes, small enough that
    /// parts in flight cost kilobytes, not part sizes.</summary>
    public const int DefaultChunkSize = 256 * 1024;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] chunk = pool.Rent(Math.Min(chunkSize, Math.Max(partLength, 1)));
        try
        {
            for (int sent = 0; sent < partLength;)
            {
                int want = Math.Min(chunk.Length, partLength - sent);
                Memory<byte> part = chunk.AsMemory(0, want);
                await source.ReadAtAsync(part, offset + sent, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(part, cancellationToken).ConfigureAwait(false);
                sent += want;
            }
        }
        finally
        {
            pool.Return(chunk);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = partLength;
        return true;
    }

    /// <summary>The base64 MD5 of the part, read from the file one chunk at a time.</summary>
    public static async Task<string> Md5Async(ContentSource source, long offset, int length, ArrayPool<byte> pool, int chunkSize, CancellationToken ct)
    {
#pragma warning disable CA5351 // S3's Content-MD5 integrity check of a part's bytes, not a security use
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
#pragma warning restore CA5351
        byte[] chunk = pool.Rent(Math.Min(chunkSize, Math.Max(length, 1)));
        try
        {
            for (int read = 0; read < length;)
            {
                int want = Math.Min(chunk.Length, length - read);
                await source.ReadAtAsync(chunk.AsMemory(0, want), offset + read, ct).ConfigureAwait(false);
                md5.AppendData(chunk, 0, want);
                read += want;
            }
        }
        finally
        {
            pool.Return(chunk);
        }

        return Convert.ToBase64String(md5.GetHashAndReset());
    }
}
