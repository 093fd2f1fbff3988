using System.Security.Cryptography;
using System.Text;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>Object contents whose real type the processor must detect, whatever Content-Type they are uploaded with.</summary>
internal static class Samples
{
    public const string PngType = "image/png";
    public const string TextType = "text/plain; charset=utf-8";
    public const string EmptyType = "application/octet-stream";

    /// <summary>The SHA-256 of zero bytes.</summary>
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>A PNG signature and IHDR chunk followed by filler: enough for the sniffer.</summary>
    public static byte[] Png(int seed = 0) =>
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', .. Encoding.ASCII.GetBytes($"pixels-{seed}")];

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Content and the type the processor should detect, by the key's extension (.png or text).</summary>
    public static (byte[] Content, string DetectedType) For(string key, int seed = 0) =>
        key.EndsWith(".png", StringComparison.Ordinal) ? (Png(seed), PngType) : (Text($"line one of {key}\nline two {seed}\n"), TextType);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
