using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>
/// The opaque <c>nextToken</c> of the task listing: base64url (no padding) of <c>v1:{jobId}:{nextPage}</c>. It is bound
/// to its job, so a token of another job, a forged page number or any other string is rejected as a bad request.
/// </summary>
internal static class TaskListToken
{
    private const string Version = "v1";
    private const int MaxTokenLength = 128;

    public static string Encode(string jobId, int nextPage)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentOutOfRangeException.ThrowIfLessThan(nextPage, 1);
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}:{jobId}:{nextPage}")));
    }

    public static bool TryDecode(string? token, string jobId, out int nextPage)
    {
        nextPage = 0;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        string text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
        string[] parts = text.Split(':');
        return parts.Length == 3
            && parts[0] == Version
            && string.Equals(parts[1], jobId, StringComparison.Ordinal)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out nextPage)
            && nextPage >= 1;
    }
}
