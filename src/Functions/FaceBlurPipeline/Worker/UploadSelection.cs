using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline;

/// <summary>An uploaded object the worker owns: its location (decoded key, version) and the size the notification reported.</summary>
public sealed record Upload(S3ObjectLocation Source, long? NotifiedSize);

/// <summary>
/// Picks the records of an S3 notification this worker owns: ObjectCreated events in <c>SOURCE_BUCKET</c> whose decoded
/// key starts with <c>INPUT_PREFIX</c>. Anything else means the notification wiring is wrong: it is logged at Error and
/// skipped. Folder markers (zero-byte keys ending in '/') are skipped at Info.
/// </summary>
public static class UploadSelection
{
    private const string ObjectCreatedPrefix = "ObjectCreated:";

    /// <summary>Checks every record before any is acted on, so an undecodable key rejects the whole message first.</summary>
    /// <exception cref="BadInputException">A record's key cannot be decoded.</exception>
    public static List<Upload> Select(FaceBlurSettings settings, IReadOnlyList<S3EventRecord> records, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(log);
        var selected = new List<Upload>(records.Count);
        foreach (S3EventRecord record in records)
        {
            S3ObjectEntity entity = record.S3.Object;
            string bucket = record.S3.Bucket.Name;
            string? misrouted = null;
            string? key = null;
            if (!record.EventName.StartsWith(ObjectCreatedPrefix, StringComparison.Ordinal))
            {
                misrouted = $"event {record.EventName} is not an ObjectCreated event";
            }
            else if (!string.Equals(bucket, settings.SourceBucket, StringComparison.Ordinal))
            {
                misrouted = $"bucket is not SOURCE_BUCKET ({settings.SourceBucket})";
            }
            else
            {
                key = S3ObjectKey.Decode(entity.Key);
                if (!key.StartsWith(settings.InputPrefix, StringComparison.Ordinal))
                {
                    misrouted = $"key does not start with INPUT_PREFIX ({settings.InputPrefix})";
                }
            }

            if (misrouted is not null || key is null)
            {
                log.Error(
                    "record skipped: not for this worker (check the notification configuration); not processed",
                    ("reason", misrouted),
                    ("eventName", record.EventName),
                    ("bucket", bucket),
                    ("rawKey", entity.Key));
            }
            else if (key.EndsWith('/') && entity.Size is 0)
            {
                log.Info("record skipped: folder marker (a zero-byte key ending in '/'), not an image", ("bucket", bucket), ("key", key));
            }
            else
            {
                selected.Add(new Upload(new S3ObjectLocation(bucket, key, NormalizeVersionId(entity.VersionId)), entity.Size));
            }
        }

        return selected;
    }

    /// <summary>S3 reports objects written while versioning was off or suspended with the version id "null".</summary>
    public static string? NormalizeVersionId(string? versionId) =>
        string.IsNullOrEmpty(versionId) || versionId == "null" ? null : versionId;
}
