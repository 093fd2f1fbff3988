using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// The ledger's item for one object revision, written by <see cref="LedgerRecorder"/> and read back by
/// <see cref="ContentStampProcessor"/> from the table's stream (<c>NewImage</c>).
/// Key: <c>objectId</c> = "bucket/key" (partition), <c>revision</c> = version id, or, when unversioned, the ETag and
/// the event's sequencer (<c>eTag@sequencer</c>; the ETag alone when the record has no sequencer) (sort).
/// </summary>
public static class LedgerItem
{
    public const string ObjectId = "objectId";
    public const string Revision = "revision";
    public const string Bucket = "bucket";
    public const string Key = "key";
    public const string ETag = "eTag";
    public const string VersionId = "versionId";
    public const string Size = "size";
    public const string Sequencer = "sequencer";
    public const string RecordedAt = "recordedAt";
    public const string ExpiresAt = "expiresAt";

    /// <summary>The item for a new object revision. <c>expiresAt</c> is in epoch seconds, as DynamoDB TTL requires.</summary>
    /// <exception cref="BadInputException">The record has neither a version id nor an ETag to identify the revision.</exception>
    public static Dictionary<string, AttributeValue> Create(S3ObjectRef target, S3ObjectEntity entity, DateTimeOffset now, int ttlSeconds)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(entity);
        string revision = target.VersionId ?? UnversionedRevision(target.ETag, entity.Sequencer)
            ?? throw new BadInputException("the S3 record has neither a versionId nor an eTag to identify the object revision");

        var item = new Dictionary<string, AttributeValue>(10)
        {
            [ObjectId] = Text($"{target.Bucket}/{target.Key}"),
            [Revision] = Text(revision),
            [Bucket] = Text(target.Bucket),
            [Key] = Text(target.Key),
            [RecordedAt] = Text(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
            [ExpiresAt] = Number(now.ToUnixTimeSeconds() + ttlSeconds),
        };
        AddIfPresent(item, ETag, target.ETag);
        AddIfPresent(item, VersionId, target.VersionId);
        AddIfPresent(item, Sequencer, entity.Sequencer);
        if (entity.Size is long size)
        {
            item[Size] = Number(size);
        }

        return item;
    }

    /// <summary>
    /// The revision of an object in an unversioned bucket. The ETag alone cannot tell a redelivered event from a genuine
    /// re-upload of the same bytes: the re-upload replaces the in-place output with the unstamped original, and a ledger
    /// keyed by ETag would take its event for a duplicate and never process it again. S3 gives every write of a key a new
    /// sequencer and a redelivered event carries the same one, so ETag and sequencer together identify the write.
    /// </summary>
    private static string? UnversionedRevision(string? eTag, string? sequencer) =>
        eTag is null ? null : string.IsNullOrEmpty(sequencer) ? eTag : $"{eTag}@{sequencer}";

    /// <summary>The object revision a ledger stream record asks to process.</summary>
    /// <exception cref="BadInputException">The image is missing, or has no bucket or key.</exception>
    public static S3ObjectRef ReadObject(IReadOnlyDictionary<string, StreamAttributeValue>? newImage)
    {
        if (newImage is null)
        {
            throw new BadInputException("the ledger stream record has no NewImage (the stream view type must include new images)");
        }

        string bucket = StringOrNull(newImage, Bucket) ?? throw new BadInputException("the ledger item has no 'bucket' string");
        string key = StringOrNull(newImage, Key) ?? throw new BadInputException("the ledger item has no 'key' string");
        return new S3ObjectRef(bucket, key, S3ObjectRef.NormalizeVersionId(StringOrNull(newImage, VersionId)), StringOrNull(newImage, ETag));
    }

    private static string? StringOrNull(IReadOnlyDictionary<string, StreamAttributeValue> image, string name) =>
        image.TryGetValue(name, out StreamAttributeValue? value) && !string.IsNullOrEmpty(value.S) ? value.S : null;

    private static void AddIfPresent(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            item[name] = Text(value);
        }
    }

    private static AttributeValue Text(string value) => new() { S = value };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
