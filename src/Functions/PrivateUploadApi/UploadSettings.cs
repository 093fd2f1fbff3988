using System.Globalization;
using System.Text.RegularExpressions;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// The settings of the three handlers, from the environment variables the construct sets (README.md, "Environment").
/// Each handler requires only the variables it uses (<see cref="UploadSettingsNeeds"/>); the others keep their defaults.
/// </summary>
public sealed partial record UploadSettings
{
    public const string BucketVariable = "UPLOAD_BUCKET";
    public const string TableVariable = "SESSION_TABLE";
    public const string KeyPrefixVariable = "KEY_PREFIX";
    public const string AllowedTypesVariable = "ALLOWED_CONTENT_TYPES";
    public const string MaxBytesVariable = "MAX_UPLOAD_BYTES";
    public const string DirectMaxBytesVariable = "DIRECT_MAX_BYTES";
    public const string UrlExpiryVariable = "URL_EXPIRY_SECONDS";
    public const string SessionTtlVariable = "SESSION_TTL_SECONDS";
    public const string EventBusVariable = "EVENT_BUS_NAME";
    public const string EventBridgeEndpointVariable = "EVENTBRIDGE_ENDPOINT";

    /// <summary>The largest object the API accepts: S3's documented maximum of 5 TiB.</summary>
    public const long MaxObjectBytes = 5L * 1024 * 1024 * 1024 * 1024;

    /// <summary>
    /// The hard cap of a direct upload: Lambda's 6 MB synchronous payload carries the body base64-encoded (4/3 larger)
    /// together with the rest of the proxy event, so 4 MiB is the most that always fits.
    /// </summary>
    public const int DirectHardMaxBytes = 4 * 1024 * 1024;

    /// <summary>The longest URL expiry accepted (one hour; the construct allows 1 to 60 minutes).</summary>
    public const int MaxUrlExpirySeconds = 3600;

    public string Bucket { get; init; } = string.Empty;

    public string Table { get; init; } = string.Empty;

    /// <summary><c>KEY_PREFIX</c> (default <c>uploads</c>): the first key segment.</summary>
    public string KeyPrefix { get; init; } = "uploads";

    /// <summary><c>ALLOWED_CONTENT_TYPES</c>: lowercase <c>type/subtype</c>, comma-separated.</summary>
    public IReadOnlyList<string> AllowedContentTypes { get; init; } = [];

    /// <summary><c>MAX_UPLOAD_BYTES</c>: the largest declared size (1 .. 5 TiB).</summary>
    public long MaxUploadBytes { get; init; } = MaxObjectBytes;

    /// <summary><c>DIRECT_MAX_BYTES</c> (default 4 MiB, at most 4 MiB): the largest body of <c>PUT /files/{fileName}</c>.</summary>
    public int DirectMaxBytes { get; init; } = DirectHardMaxBytes;

    /// <summary><c>URL_EXPIRY_SECONDS</c> (default 900): the lifetime of a presigned POST or part URL.</summary>
    public TimeSpan UrlExpiry { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary><c>SESSION_TTL_SECONDS</c> (default 1 day + 15 min): how long an open session lives before DynamoDB's TTL removes it.</summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromSeconds(86400 + 900);

    /// <summary><c>EVENT_BUS_NAME</c> (default: the account's default bus): where <c>Upload.Completed</c> goes.</summary>
    public string? EventBusName { get; init; }

    /// <summary><c>EVENTBRIDGE_ENDPOINT</c> (tests only): where PutEvents goes instead of <c>https://events.{region}.amazonaws.com</c>.</summary>
    public Uri? EventBridgeEndpoint { get; init; }

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static UploadSettings FromEnvironment(Func<string, string?> environment, string component, UploadSettingsNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        var defaults = new UploadSettings();
        string bucket = reader.Required(BucketVariable);
        string table = reader.Required(TableVariable);

        string prefix = reader.Optional(KeyPrefixVariable, defaults.KeyPrefix);
        if (!KeyPrefixPattern().IsMatch(prefix))
        {
            reader.AddProblem($"{KeyPrefixVariable} must be 1 to 63 lowercase letters, digits or '-', starting with a letter or digit (got '{prefix}')");
        }

        IReadOnlyList<string> types = defaults.AllowedContentTypes;
        if (needs.HasFlag(UploadSettingsNeeds.ContentTypes))
        {
            types = ReadContentTypes(reader);
        }

        long maxBytes = defaults.MaxUploadBytes;
        if (needs.HasFlag(UploadSettingsNeeds.MaxUploadBytes))
        {
            maxBytes = ReadLong(reader, MaxBytesVariable, required: true, 1, MaxObjectBytes, defaults.MaxUploadBytes);
        }

        int directMax = (int)ReadLong(reader, DirectMaxBytesVariable, required: false, 1, DirectHardMaxBytes, defaults.DirectMaxBytes);
        long urlExpiry = ReadLong(reader, UrlExpiryVariable, required: false, 1, MaxUrlExpirySeconds, (long)defaults.UrlExpiry.TotalSeconds);
        long sessionTtl = ReadLong(reader, SessionTtlVariable, required: false, 60, 40L * 86400, (long)defaults.SessionTtl.TotalSeconds);
        string bus = reader.Optional(EventBusVariable);

        Uri? endpoint = null;
        string endpointText = reader.Optional(EventBridgeEndpointVariable);
        if (endpointText.Length > 0)
        {
            if (Uri.TryCreate(endpointText, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                endpoint = uri;
            }
            else
            {
                reader.AddProblem($"{EventBridgeEndpointVariable} must be an absolute http(s) URL (got '{endpointText}')");
            }
        }

        reader.ThrowIfInvalid(component);
        return new UploadSettings
        {
            Bucket = bucket,
            Table = table,
            KeyPrefix = prefix,
            AllowedContentTypes = types,
            MaxUploadBytes = maxBytes,
            DirectMaxBytes = directMax,
            UrlExpiry = TimeSpan.FromSeconds(urlExpiry),
            SessionTtl = TimeSpan.FromSeconds(sessionTtl),
            EventBusName = bus.Length > 0 ? bus : null,
            EventBridgeEndpoint = endpoint,
        };
    }

    private static List<string> ReadContentTypes(SettingsReader reader)
    {
        string value = reader.Required(AllowedTypesVariable);
        var types = new List<string>();
        if (value.Length == 0)
        {
            return types;
        }

        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ContentTypePattern().IsMatch(part))
            {
                reader.AddProblem($"{AllowedTypesVariable} entries must be lowercase type/subtype without wildcards or parameters (got '{part}')");
            }
            else if (!types.Contains(part, StringComparer.Ordinal))
            {
                types.Add(part);
            }
        }

        if (types.Count == 0)
        {
            reader.AddProblem($"{AllowedTypesVariable} must list at least one content type");
        }

        return types;
    }

    private static long ReadLong(SettingsReader reader, string name, bool required, long min, long max, long defaultValue)
    {
        string value = required ? reader.Required(name) : reader.Optional(name);
        if (value.Length == 0)
        {
            return defaultValue;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long number) && number >= min && number <= max)
        {
            return number;
        }

        reader.AddProblem($"{name} must be a whole number from {min} to {max} (got '{value}')");
        return defaultValue;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPrefixPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContentTypePattern();
}

/// <summary>The variables a handler requires beyond <c>UPLOAD_BUCKET</c> and <c>SESSION_TABLE</c>.</summary>
[Flags]
public enum UploadSettingsNeeds
{
    None = 0,

    /// <summary><c>ALLOWED_CONTENT_TYPES</c> (UploadSessions, DirectUpload).</summary>
    ContentTypes = 1,

    /// <summary><c>MAX_UPLOAD_BYTES</c> (UploadSessions).</summary>
    MaxUploadBytes = 2,
}
