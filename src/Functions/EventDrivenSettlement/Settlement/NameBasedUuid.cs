using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// Name-based UUIDs, version 5 (RFC 9562 §5.5; RFC 4122 §4.3): the same namespace and name always give the same id,
/// on any machine and in any language. .NET has no factory for them (only v4 and v7), so this is the RFC's algorithm:
/// SHA-1 over the namespace's 16 bytes in network order followed by the name's UTF-8 bytes; the first 16 bytes of the
/// digest, with the version nibble set to 5 and the variant bits to 10. (<see cref="Guid.ToByteArray()"/> is
/// mixed-endian, so the namespace is written big-endian explicitly.) SHA-1 is what v5 is defined with: it derives an
/// identifier here, it protects nothing.
/// </summary>
public static class NameBasedUuid
{
    /// <summary>The RFC's DNS namespace (for the test vector: <c>www.example.com</c> gives <c>2ed6657d-e927-568b-95e1-2665a8aea6a2</c>).</summary>
    public static readonly Guid DnsNamespace = new("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

    private const int StackNameBytes = 256;

    public static Guid Version5(Guid namespaceId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int maxBytes = 16 + Encoding.UTF8.GetMaxByteCount(name.Length);
        byte[]? rented = null;
        Span<byte> input = maxBytes <= StackNameBytes ? stackalloc byte[StackNameBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            namespaceId.TryWriteBytes(input, bigEndian: true, out _);
            int length = 16 + Encoding.UTF8.GetBytes(name, input[16..]);
            Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // SHA-1 is the hash RFC 9562 defines for version 5; it derives an id, it does not protect data.
            SHA1.HashData(input[..length], digest);
#pragma warning restore CA5350
            digest[6] = (byte)((digest[6] & 0x0F) | 0x50);
            digest[8] = (byte)((digest[8] & 0x3F) | 0x80);
            return new Guid(digest[..16], bigEndian: true);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
