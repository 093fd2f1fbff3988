using System.Buffers;
using System.Globalization;
using System.Text;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>Decodes the object keys of S3 event notifications.</summary>
public static class S3ObjectKey
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes a key as S3 writes it into event notifications: form-style URL encoding, where <c>+</c> is a
    /// space and <c>%XX</c> are the bytes of the UTF-8 key (so a literal plus arrives as <c>%2B</c>).
    /// </summary>
    /// <exception cref="BadInputException">The key is empty, has a malformed <c>%</c> sequence, or is not UTF-8.</exception>
    public static string Decode(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length == 0)
        {
            throw new BadInputException("the object key is empty");
        }

        if (raw.AsSpan().IndexOfAny('%', '+') < 0)
        {
            return raw;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(StrictUtf8.GetMaxByteCount(raw.Length));
        try
        {
            int length = Unescape(raw, buffer);
            return StrictUtf8.GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            throw new BadInputException("the object key is not valid UTF-8 after percent-decoding");
        }
        catch (EncoderFallbackException)
        {
            throw new BadInputException("the object key contains an unpaired surrogate character");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Unescape(string raw, byte[] buffer)
    {
        int written = 0;
        int i = 0;
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c == '+')
            {
                buffer[written++] = (byte)' ';
                i++;
            }
            else if (c == '%')
            {
                if (raw.Length - i < 3
                    || !byte.TryParse(raw.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
                {
                    throw new BadInputException($"the object key has a malformed percent-encoding at position {i}");
                }

                buffer[written++] = value;
                i += 3;
            }
            else
            {
                int run = raw.AsSpan(i).IndexOfAny('%', '+');
                int end = run < 0 ? raw.Length : i + run;
                written += StrictUtf8.GetBytes(raw.AsSpan(i, end - i), buffer.AsSpan(written));
                i = end;
            }
        }

        return written;
    }
}
