using System.Text;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// Encodes an object key the way S3 writes it into event notifications: form-style URL encoding of the UTF-8 bytes
/// (a space becomes <c>+</c>; letters, digits, <c>-_.*</c> and the path separator <c>/</c> stay; every other byte,
/// including <c>+</c> and <c>%</c> themselves and all non-ASCII bytes, becomes <c>%XX</c>).
/// </summary>
public static class S3EventKey
{
    public static string Encode(string key)
    {
        var encoded = new StringBuilder(key.Length * 2);
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            char c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '*' or '/'))
            {
                encoded.Append(c);
            }
            else if (c == ' ')
            {
                encoded.Append('+');
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
