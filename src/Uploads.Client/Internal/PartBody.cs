using System.Buffers;
using System.Security.Cryptography;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// What one part sends: a region of a file, read while it is sent (<see cref="FileRegionContent"/>), or a buffer a
/// stream was read into. Every attempt gets a fresh body (<see cref="NewContent"/>) over the same bytes.
/// </summary>
internal abstract class PartBody
{
    /// <summary>The base64 MD5 of the part's bytes (its <c>Content-MD5</c>).</summary>
    public abstract ValueTask<string> Md5Async(CancellationToken ct);

    /// <summary>A new request body for one attempt.</summary>
    public abstract HttpContent NewContent();

    public static PartBody FromFile(ContentSource source, long offset, int length, ArrayPool<byte> pool, int chunkSize) =>
        new FileRegion(source, offset, length, pool, chunkSize);

    public static PartBody FromBuffer(byte[] buffer, int length) => new Buffered(buffer, length);

    private sealed class FileRegion(ContentSource source, long offset, int length, ArrayPool<byte> pool, int chunkSize) : PartBody
    {
        public override ValueTask<string> Md5Async(CancellationToken ct) =>
            new(FileRegionContent.Md5Async(source, offset, length, pool, chunkSize, ct));

        public override HttpContent NewContent() => new FileRegionContent(source, offset, length, pool, chunkSize);
    }

    private sealed class Buffered(byte[] buffer, int length) : PartBody
    {
#pragma warning disable CA5351 // S3's Content-MD5 integrity check of a part's bytes, not a security use
        public override ValueTask<string> Md5Async(CancellationToken ct) =>
            ValueTask.FromResult(Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, length))));
#pragma warning restore CA5351

        public override HttpContent NewContent() => new ByteArrayContent(buffer, 0, length);
    }
}
