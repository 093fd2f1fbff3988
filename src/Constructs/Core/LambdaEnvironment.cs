using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Patterns.Cdk.Core;

/// <summary>
/// Lambda's limit on a function's environment: at most 4 KB for all variables together, measured on their JSON form
/// (<c>{"KEY":"value",...}</c>, with quotes and backslashes in values escaped), which is what Lambda reports as the
/// "string measured" when it refuses a configuration.
/// </summary>
internal static class LambdaEnvironment
{
    /// <summary>The most bytes Lambda accepts for all of a function's environment variables.</summary>
    public const int MaxBytes = 4096;

    /// <summary>
    /// What an unresolved token (a table or bucket name, a queue URL, a secret or function ARN known only at deploy
    /// time) is assumed to take once deployed: enough for the names CloudFormation generates and typical ARNs.
    /// </summary>
    public const int TokenBytes = 120;

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The bytes <paramref name="environment"/> takes as Lambda measures it, tokens counted at <see cref="TokenBytes"/>.</summary>
    public static int MeasuredBytes(IReadOnlyDictionary<string, string> environment)
    {
        var bytes = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(environment, Json));
        foreach (var token in environment.SelectMany(e => Tokens(e.Key).Concat(Tokens(e.Value))))
        {
            bytes += TokenBytes - Encoding.UTF8.GetByteCount(token);
        }

        return bytes;
    }

    private static IEnumerable<string> Tokens(string value)
    {
        for (var start = value.IndexOf("${Token[", StringComparison.Ordinal); start >= 0;
             start = value.IndexOf("${Token[", start + 1, StringComparison.Ordinal))
        {
            var end = value.IndexOf("]}", start, StringComparison.Ordinal);
            if (end < 0)
            {
                yield break;
            }

            yield return value[start..(end + 2)];
        }
    }
}
