using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// The objects a handler owns: ObjectCreated events in <c>SOURCE_BUCKET</c> whose decoded key starts with
/// <c>INPUT_PREFIX</c>. Anything else reaching a handler means the notification wiring is wrong: it is skipped
/// with an Error line and never processed.
/// </summary>
public sealed record SourceScope(string SourceBucket, string InputPrefix)
{
    private const string ObjectCreatedPrefix = "ObjectCreated:";

    /// <summary>Reads <c>SOURCE_BUCKET</c> (required) and <c>INPUT_PREFIX</c> (may be empty).</summary>
    public static SourceScope Read(SettingsReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.Required("SOURCE_BUCKET"), settings.Optional("INPUT_PREFIX"));
    }

    /// <exception cref="BadInputException">The record's key cannot be decoded.</exception>
    public ScopeCheck Check(S3EventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.EventName.StartsWith(ObjectCreatedPrefix, StringComparison.Ordinal))
        {
            return ScopeCheck.Skip($"event {record.EventName} is not an ObjectCreated event");
        }

        string key = S3ObjectKey.Decode(record.S3.Object.Key);
        string? reason = OutOfScopeReason(record.S3.Bucket.Name, key);
        if (reason is not null)
        {
            return ScopeCheck.Skip(reason);
        }

        return IsFolderMarker(key, record.S3.Object.Size)
            ? ScopeCheck.Ignore("folder marker (a zero-byte key ending in '/', as the S3 console's \"Create folder\" makes): nothing to process")
            : ScopeCheck.Accept(S3ObjectRef.From(record, key));
    }

    /// <summary>A zero-byte object whose key ends in '/': a folder placeholder, not content.</summary>
    public static bool IsFolderMarker(string key, long? size) =>
        key.EndsWith('/') && size is 0;

    /// <summary>Why an object is not this handler's, or null when it is.</summary>
    public string? OutOfScopeReason(string bucket, string key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        if (!string.Equals(bucket, SourceBucket, StringComparison.Ordinal))
        {
            return $"bucket is not SOURCE_BUCKET ({SourceBucket})";
        }

        return key.StartsWith(InputPrefix, StringComparison.Ordinal) ? null : $"key does not start with INPUT_PREFIX ({InputPrefix})";
    }

    /// <summary>
    /// Checks every record before any is acted on (so an undecodable key rejects the whole event first), logs each
    /// skipped record at Error, and returns the records this handler owns.
    /// </summary>
    /// <exception cref="BadInputException">A record's key cannot be decoded.</exception>
    public List<(S3EventRecord Record, S3ObjectRef Target)> Select(IReadOnlyList<S3EventRecord> records, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(log);
        var selected = new List<(S3EventRecord, S3ObjectRef)>(records.Count);
        foreach (S3EventRecord record in records)
        {
            ScopeCheck check = Check(record);
            if (check.Target is { } owned)
            {
                selected.Add((record, owned));
            }
            else if (check.Expected)
            {
                log.Info("record skipped", ("reason", check.SkipReason), ("bucket", record.S3.Bucket.Name), ("rawKey", record.S3.Object.Key));
            }
            else
            {
                log.Error(
                    "record skipped: not for this handler (check the notification configuration); not processed",
                    ("reason", check.SkipReason),
                    ("eventName", record.EventName),
                    ("bucket", record.S3.Bucket.Name),
                    ("rawKey", record.S3.Object.Key));
            }
        }

        return selected;
    }
}

/// <summary>
/// The outcome of <see cref="SourceScope.Check"/>: the owned object, or why the record is skipped; <see cref="Expected"/>
/// tells a normal skip (logged at Info) from a sign of misconfiguration (logged at Error).
/// </summary>
public readonly record struct ScopeCheck(S3ObjectRef? Target, string? SkipReason, bool Expected = false)
{
    public static ScopeCheck Accept(S3ObjectRef owned) => new(owned, SkipReason: null);

    /// <summary>Not this handler's object: the wiring is wrong.</summary>
    public static ScopeCheck Skip(string reason) => new(Target: null, reason);

    /// <summary>This handler's object, but nothing to do (e.g. a folder marker).</summary>
    public static ScopeCheck Ignore(string reason) => new(Target: null, reason, Expected: true);
}
