using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>Detects an object's real content type from its first bytes, whatever type it was uploaded with.</summary>
public static class ContentSniffer
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int SampleLength = 512;

    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string WebP = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Zip = "application/zip";
    public const string Gzip = "application/gzip";
    public const string Json = "application/json";
    public const string Text = "text/plain; charset=utf-8";
    public const string Binary = "application/octet-stream";

    /// <param name="head">The first bytes of the object (up to <see cref="SampleLength"/>).</param>
    /// <param name="isWholeObject">Whether <paramref name="head"/> is the entire object rather than a prefix of it.</param>
    public static string Detect(ReadOnlySpan<byte> head, bool isWholeObject)
    {
        return head switch
        {
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Png,
            [0xFF, 0xD8, 0xFF, ..] => Jpeg,
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => Gif,
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => WebP,
            [(byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-', ..] => Pdf,
            [(byte)'P', (byte)'K', 0x03, 0x04, ..] or [(byte)'P', (byte)'K', 0x05, 0x06, ..] or [(byte)'P', (byte)'K', 0x07, 0x08, ..] => Zip,
            [0x1F, 0x8B, 0x08, ..] => Gzip,
            _ => DetectText(head, isWholeObject),
        };
    }

    private static string DetectText(ReadOnlySpan<byte> head, bool isWholeObject)
    {
        if (head.StartsWith("\uFEFF"u8))
        {
            head = head[3..];
        }

        if (head.IsEmpty || !IsPlainUtf8Text(head, isWholeObject))
        {
            return Binary;
        }

        return LooksLikeJson(head, isWholeObject) ? Json : Text;
    }

    // Valid UTF-8 without control characters other than tab, line feed, form feed and carriage return.
    // A multi-byte character cut off by the end of the sample is fine unless the sample is the whole object.
    private static bool IsPlainUtf8Text(ReadOnlySpan<byte> bytes, bool isWholeObject)
    {
        while (!bytes.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                return !isWholeObject;
            }

            if (status != OperationStatus.Done || (Rune.IsControl(rune) && rune.Value is not ('\t' or '\n' or '\f' or '\r')))
            {
                return false;
            }

            bytes = bytes[consumed..];
        }

        return true;
    }

    // Starts like a JSON object or array and tokenizes without error as far as the sample goes.
    private static bool LooksLikeJson(ReadOnlySpan<byte> text, bool isWholeObject)
    {
        ReadOnlySpan<byte> trimmed = text.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || (trimmed[0] != (byte)'{' && trimmed[0] != (byte)'['))
        {
            return false;
        }

        var reader = new Utf8JsonReader(text, isFinalBlock: isWholeObject, state: default);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
