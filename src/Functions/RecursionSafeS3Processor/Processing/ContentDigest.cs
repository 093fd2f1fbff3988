using System.Buffers;
using System.Security.Cryptography;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>What the processor learns about an object's bytes.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole content.</param>
/// <param name="DetectedType">The content type sniffed from the first bytes.</param>
/// <param name="Length">The number of bytes read.</param>
public sealed record ContentStamp(string Sha256, string DetectedType, long Length);

/// <summary>Reads a stream once, in pooled chunks, hashing it and keeping only its first bytes for sniffing.</summary>
public static class ContentDigest
{
    private const int ChunkLength = 64 * 1024;

    public static async Task<ContentStamp> ComputeAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkLength);
        byte[] head = ArrayPool<byte>.Shared.Rent(ContentSniffer.SampleLength);
        try
        {
            int headLength = 0;
            long length = 0;
            int read;
            while ((read = await content.ReadAsync(chunk.AsMemory(0, ChunkLength), cancellationToken)) > 0)
            {
                sha256.AppendData(chunk, 0, read);
                int toKeep = Math.Min(read, ContentSniffer.SampleLength - headLength);
                chunk.AsSpan(0, toKeep).CopyTo(head.AsSpan(headLength));
                headLength += toKeep;
                length += read;
            }

            string detectedType = ContentSniffer.Detect(head.AsSpan(0, headLength), isWholeObject: length == headLength);
            return new ContentStamp(HexHash(sha256), detectedType, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    private static string HexHash(IncrementalHash hash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }
}
