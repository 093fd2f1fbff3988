using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>How an upload travels: one presigned POST, or a multipart upload with presigned part URLs.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The API's own word for the mode (\"single\").")]
public enum UploadMode
{
    Single,
    Multipart,
}

/// <summary>The part layout the server decides from the declared size.</summary>
/// <param name="Mode">Single up to <see cref="UploadRules.SingleMaxBytes"/>, multipart above.</param>
/// <param name="PartSize">Every part's size but the last's (multipart); the size itself for a single upload.</param>
/// <param name="PartCount">1 for a single upload; ceil(size / partSize) ≤ 10,000 for a multipart one.</param>
public readonly record struct PartPlan(UploadMode Mode, long PartSize, int PartCount);

/// <summary>A part S3 holds for a multipart upload (from ListParts).</summary>
public readonly record struct StoredPart(int PartNumber, long Size, string ETag);

/// <summary>
/// The rules of the upload API, free of AWS calls: upload ids, the caller's scope, file names, content types, sizes,
/// part sizing, part numbers, checksums and the completion check. Everything here is decided by the server; the
/// client's word is taken for nothing but the declared size, name and type, which S3 then enforces.
/// </summary>
public static class UploadRules
{
    public const long MiB = 1024 * 1024;

    /// <summary>The largest upload sent as one presigned POST; above it, multipart.</summary>
    public const long SingleMaxBytes = 8 * MiB;

    /// <summary>The smallest part size used (S3's minimum is 5 MiB for every part but the last).</summary>
    public const long MinPartSize = 8 * MiB;

    /// <summary>S3's limit on the parts of one upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>The most part numbers one <c>POST /uploads/{id}/parts</c> may ask for.</summary>
    public const int MaxPartNumbersPerCall = 1000;

    /// <summary>The longest file name, in UTF-8 bytes (S3's key limit is 1,024 bytes; this leaves room for the prefix).</summary>
    public const int MaxFileNameBytes = 255;

    /// <summary>
    /// The shortest principal id accepted: the root user's is the 12-digit account id; IAM unique ids (<c>AIDA…</c>,
    /// <c>AROA…</c>) are longer. Anything shorter (a word from an ARN, say) is not a principal id.
    /// </summary>
    public const int MinPrincipalIdLength = 12;

    /// <summary>A new upload id: 128 random bits as 32 lowercase hex characters.</summary>
    /// <summary>
    /// The upload id of a start that carries a client token: the first 128 bits of SHA-256(caller scope, token), so a
    /// retried start (its answer lost) finds its session instead of opening a second one, and two callers' tokens
    /// never meet.
    /// </summary>
    public static string UploadIdFor(string callerScope, string clientToken)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(callerScope + "\n" + clientToken), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>A client token: 16 to 64 letters, digits, '-' or '_' (a GUID in any of its text forms but braces).</summary>
    public static bool IsClientToken(string? value) =>
        value is { Length: >= 16 and <= 64 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string NewUploadId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Whether <paramref name="value"/> has the shape of an upload id (32 lowercase hex characters).</summary>
    public static bool IsUploadId(string? value)
    {
        if (value is not { Length: 32 })
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The caller's scope, <c>&lt;accountId&gt;/&lt;principal id&gt;</c>, from the IAM identity API Gateway puts in the
    /// request context: the principal id is <c>user</c> up to its first <c>:</c> (a role's or user's unique id,
    /// <c>AROA…</c>/<c>AIDA…</c>; the session name after it varies between sessions of the same role). Null when the
    /// identity is missing or has characters a key segment must not have: the caller is then refused (403).
    /// </summary>
    public static string? CallerScope(RestApiProxyIdentity? identity)
    {
        if (identity is null)
        {
            return null;
        }

        string? account = identity.AccountId;
        string? user = identity.User;
        if (account is not { Length: 12 } || !account.All(char.IsAsciiDigit) || string.IsNullOrEmpty(user))
        {
            return null;
        }

        int colon = user.IndexOf(':', StringComparison.Ordinal);
        string principal = colon < 0 ? user : user[..colon];
        if (principal.Length is < MinPrincipalIdLength or > 128 || !principal.All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }

        return account + "/" + principal;
    }

    /// <summary>The object key: <c>&lt;prefix&gt;/&lt;callerScope&gt;/&lt;uploadId&gt;/&lt;fileName&gt;</c>.</summary>
    public static string ObjectKey(string keyPrefix, string callerScope, string uploadId, string fileName) =>
        string.Concat(keyPrefix, "/", callerScope, "/", uploadId, "/", fileName);

    /// <summary>Why <paramref name="fileName"/> is refused, or null when it is kept verbatim as the key's last segment.</summary>
    public static string? FileNameProblem(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return "the file name is empty";
        }

        if (fileName is "." or "..")
        {
            return "the file name cannot be '.' or '..'";
        }

        int bytes = 0;
        ReadOnlySpan<char> rest = fileName;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return "the file name is not valid Unicode text";
            }

            bytes += rune.Utf8SequenceLength;
            rest = rest[consumed..];
        }

        if (bytes > MaxFileNameBytes)
        {
            return $"the file name is {bytes} bytes in UTF-8; the limit is {MaxFileNameBytes}";
        }

        foreach (char c in fileName)
        {
            if (c is '/' or '\\')
            {
                return "the file name cannot contain '/' or '\\' (it is a name, not a path)";
            }

            if (c < 0x20 || c is >= (char)0x7F and <= (char)0x9F)
            {
                return "the file name cannot contain control characters";
            }
        }

        if (char.IsWhiteSpace(fileName[0]) || char.IsWhiteSpace(fileName[^1]))
        {
            return "the file name cannot start or end with whitespace";
        }

        return null;
    }

    /// <summary>
    /// The media type of <paramref name="contentType"/>, lowercase, without parameters (<c>Text/Plain; charset=utf-8</c>
    /// is <c>text/plain</c>), when it is in <paramref name="allowed"/>; else null.
    /// </summary>
    public static string? AllowedContentType(string? contentType, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType.Trim(), out MediaTypeHeaderValue? media) || media.MediaType is null)
        {
            return null;
        }

        string type = media.MediaType.ToLowerInvariant();
        foreach (string candidate in allowed)
        {
            if (string.Equals(candidate, type, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// The part layout for <paramref name="size"/> bytes: single up to 8 MiB; otherwise parts of
    /// max(8 MiB, ceil(size / 10,000) rounded up to a whole MiB), so there are never more than 10,000.
    /// </summary>
    public static PartPlan Plan(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size <= SingleMaxBytes)
        {
            return new PartPlan(UploadMode.Single, size, 1);
        }

        long perPart = CeilDiv(size, MaxParts);
        long partSize = Math.Max(MinPartSize, CeilDiv(perPart, MiB) * MiB);
        return new PartPlan(UploadMode.Multipart, partSize, checked((int)CeilDiv(size, partSize)));
    }

    /// <summary>The size part <paramref name="partNumber"/> must have (every part is the part size, the last holds the rest).</summary>
    public static long ExpectedPartSize(long size, PartPlan plan, int partNumber) =>
        partNumber < plan.PartCount ? plan.PartSize : size - ((long)(plan.PartCount - 1) * plan.PartSize);

    /// <summary>Whether <paramref name="value"/> is a base64 SHA-256 digest (44 characters, 32 bytes).</summary>
    public static bool IsBase64Sha256(string? value) => IsBase64Digest(value, 44, 32);

    /// <summary>Whether <paramref name="value"/> is a base64 MD5 digest (24 characters, 16 bytes), as Content-MD5 carries.</summary>
    public static bool IsBase64Md5(string? value) => IsBase64Digest(value, 24, 16);

    /// <summary>Why the part numbers are refused, or null: 1 to 1,000 numbers, each 1..partCount.</summary>
    public static string? PartNumbersProblem(IReadOnlyList<long> partNumbers, int partCount)
    {
        ArgumentNullException.ThrowIfNull(partNumbers);
        if (partNumbers.Count is 0 or > MaxPartNumbersPerCall)
        {
            return $"ask for 1 to {MaxPartNumbersPerCall} part numbers per call (got {partNumbers.Count})";
        }

        foreach (long number in partNumbers)
        {
            if (number < 1 || number > partCount)
            {
                return $"part numbers run from 1 to {partCount} for this upload (got {number})";
            }
        }

        return null;
    }

    /// <summary>
    /// Checks the parts S3 holds against the session: exactly parts 1..partCount, each the expected size, totalling the
    /// declared size. The parts may arrive in any order; the outcome lists them ascending, as CompleteMultipartUpload needs.
    /// </summary>
    public static CompletionCheck CheckCompletion(long size, PartPlan plan, IEnumerable<StoredPart> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var byNumber = new SortedDictionary<int, StoredPart>();
        var unexpected = new List<int>();
        foreach (StoredPart part in listed)
        {
            if (part.PartNumber < 1 || part.PartNumber > plan.PartCount)
            {
                unexpected.Add(part.PartNumber);
                continue;
            }

            byNumber[part.PartNumber] = part;
        }

        var missing = new List<int>();
        for (int n = 1; n <= plan.PartCount; n++)
        {
            if (!byNumber.ContainsKey(n))
            {
                missing.Add(n);
            }
        }

        if (missing.Count > 0)
        {
            return CompletionCheck.Missing(missing);
        }

        if (unexpected.Count > 0)
        {
            return CompletionCheck.SizeMismatch($"S3 holds parts outside 1..{plan.PartCount} ({string.Join(", ", unexpected.Take(10))})");
        }

        long total = 0;
        foreach (StoredPart part in byNumber.Values)
        {
            long expected = ExpectedPartSize(size, plan, part.PartNumber);
            if (part.Size != expected)
            {
                return CompletionCheck.SizeMismatch($"part {part.PartNumber} is {part.Size} bytes; it must be {expected}");
            }

            total += part.Size;
        }

        return total == size
            ? CompletionCheck.Complete([.. byNumber.Values])
            : CompletionCheck.SizeMismatch($"the parts total {total} bytes; the upload declared {size}");
    }

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;

    private static bool IsBase64Digest(string? value, int length, int bytes)
    {
        if (value is null || value.Length != length)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[64];
        return Convert.TryFromBase64String(value, decoded, out int written) && written == bytes && Base64.IsValid(value);
    }
}

/// <summary>The outcome of <see cref="UploadRules.CheckCompletion"/>.</summary>
public sealed class CompletionCheck
{
    private CompletionCheck(IReadOnlyList<StoredPart>? parts, IReadOnlyList<int>? missing, string? mismatch)
    {
        Parts = parts ?? [];
        MissingParts = missing ?? [];
        Mismatch = mismatch;
    }

    /// <summary>True when the upload can be completed with <see cref="Parts"/>.</summary>
    public bool IsComplete => Mismatch is null && MissingParts.Count == 0;

    /// <summary>The parts to complete with, ascending by number.</summary>
    public IReadOnlyList<StoredPart> Parts { get; }

    /// <summary>The part numbers S3 does not hold (ascending).</summary>
    public IReadOnlyList<int> MissingParts { get; }

    /// <summary>Why the sizes do not add up, or null.</summary>
    public string? Mismatch { get; }

    internal static CompletionCheck Complete(IReadOnlyList<StoredPart> parts) => new(parts, null, null);

    internal static CompletionCheck Missing(IReadOnlyList<int> missing) => new(null, missing, null);

    internal static CompletionCheck SizeMismatch(string reason) => new(null, null, reason);
}
