using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Store;

/// <summary>
/// The session table (pk <c>pk</c> = upload id). Sessions are created once (<c>attribute_not_exists(pk)</c>) and move
/// from <c>open</c> to <c>completed</c> or <c>aborted</c> only by a conditional update (<c>state = open</c>), which also
/// removes <c>ttl</c>: the table keeps every finished upload as a ledger, and DynamoDB's TTL deletes only sessions that
/// were abandoned open. Reads are strongly consistent. Service errors are thrown (the handlers answer 503 or 500).
/// </summary>
public sealed class UploadSessionStore
{
    internal const string Pk = "pk";
    internal const string Owner = "owner";
    internal const string Key = "key";
    internal const string Mode = "mode";
    internal const string State = "state";
    internal const string S3UploadId = "s3UploadId";
    internal const string FileName = "fileName";
    internal const string ContentType = "contentType";
    internal const string Size = "size";
    internal const string PartSize = "partSize";
    internal const string PartCount = "partCount";
    internal const string Sha256 = "sha256";
    internal const string CreatedAt = "createdAt";
    internal const string ExpiresAt = "expiresAt";
    internal const string Ttl = "ttl";
    internal const string Etag = "etag";
    internal const string ObjectSha256 = "objectSha256";
    internal const string CompletedAt = "completedAt";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _table;

    public UploadSessionStore(IAmazonDynamoDB dynamoDb, string table)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentException.ThrowIfNullOrEmpty(table);
        _dynamoDb = dynamoDb;
        _table = table;
    }

    /// <summary>Writes a new session (open with its <c>ttl</c>, or completed without one).</summary>
    /// <exception cref="ConditionalCheckFailedException">The id exists (a collision of 128 random bits: never in practice).</exception>
    public Task CreateAsync(UploadSession session, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _dynamoDb.PutItemAsync(
            new PutItemRequest
            {
                TableName = _table,
                Item = ToItem(session),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = Pk },
            },
            cancellation);
    }

    /// <summary>The session, or null.</summary>
    public async Task<UploadSession?> GetAsync(string uploadId, CancellationToken cancellation = default)
    {
        GetItemResponse response = await _dynamoDb.GetItemAsync(
            new GetItemRequest
            {
                TableName = _table,
                Key = new Dictionary<string, AttributeValue> { [Pk] = new() { S = uploadId } },
                ConsistentRead = true,
            },
            cancellation);
        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    /// <summary>
    /// Claims an open session for its completion (<c>open</c> → <c>completing</c>; the TTL stays, so a completion that
    /// never finishes still expires); false when it was not open any more.
    /// </summary>
    public Task<bool> MarkCompletingAsync(string uploadId, CancellationToken cancellation = default) =>
        TransitionAsync(
            uploadId,
            "SET #state = :next",
            new Dictionary<string, string> { ["#state"] = State },
            new Dictionary<string, AttributeValue> { [":next"] = new() { S = SessionStates.Completing } },
            [SessionStates.Open],
            cancellation);

    /// <summary>Marks an open or completing session completed; false when it was neither any more.</summary>
    public Task<bool> MarkCompletedAsync(string uploadId, string etag, string? objectSha256, DateTimeOffset completedAt, CancellationToken cancellation = default)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":next"] = new() { S = SessionStates.Completed },
            [":etag"] = new() { S = etag },
            [":at"] = new() { S = Iso(completedAt) },
        };
        string set = "SET #state = :next, #etag = :etag, #completedAt = :at";
        var names = new Dictionary<string, string> { ["#state"] = State, ["#ttl"] = Ttl, ["#etag"] = Etag, ["#completedAt"] = CompletedAt };
        if (objectSha256 is not null)
        {
            values[":sha"] = new() { S = objectSha256 };
            names["#objectSha256"] = ObjectSha256;
            set += ", #objectSha256 = :sha";
        }

        return TransitionAsync(uploadId, set + " REMOVE #ttl", names, values, [SessionStates.Open, SessionStates.Completing], cancellation);
    }

    /// <summary>Marks an open session aborted; false when it was not open any more.</summary>
    public Task<bool> MarkAbortedAsync(string uploadId, CancellationToken cancellation = default) =>
        TransitionAsync(
            uploadId,
            "SET #state = :next REMOVE #ttl",
            new Dictionary<string, string> { ["#state"] = State, ["#ttl"] = Ttl },
            new Dictionary<string, AttributeValue> { [":next"] = new() { S = SessionStates.Aborted } },
            [SessionStates.Open],
            cancellation);

    internal static Dictionary<string, AttributeValue> ToItem(UploadSession session)
    {
        var item = new Dictionary<string, AttributeValue>(20)
        {
            [Pk] = new() { S = session.UploadId },
            [Owner] = new() { S = session.Owner },
            [Key] = new() { S = session.Key },
            [Mode] = new() { S = ModeName(session.Mode) },
            [State] = new() { S = session.State },
            [FileName] = new() { S = session.FileName },
            [ContentType] = new() { S = session.ContentType },
            [Size] = Number(session.Size),
            [PartSize] = Number(session.PartSize),
            [PartCount] = Number(session.PartCount),
            [CreatedAt] = new() { S = Iso(session.CreatedAt) },
            [ExpiresAt] = new() { S = Iso(session.ExpiresAt) },
        };
        if (session.State == SessionStates.Open)
        {
            item[Ttl] = Number(session.ExpiresAt.ToUnixTimeSeconds());
        }

        Optional(item, S3UploadId, session.S3UploadId);
        Optional(item, Sha256, session.Sha256);
        Optional(item, Etag, session.Etag);
        Optional(item, ObjectSha256, session.ObjectSha256);
        Optional(item, CompletedAt, session.CompletedAt is { } at ? Iso(at) : null);
        return item;
    }

    internal static UploadSession FromItem(IReadOnlyDictionary<string, AttributeValue> item) => new()
    {
        UploadId = Text(item, Pk)!,
        Owner = Text(item, Owner)!,
        Key = Text(item, Key)!,
        Mode = Text(item, Mode) == "multipart" ? UploadMode.Multipart : UploadMode.Single,
        State = Text(item, State)!,
        S3UploadId = Text(item, S3UploadId),
        FileName = Text(item, FileName)!,
        ContentType = Text(item, ContentType)!,
        Size = Long(item, Size),
        PartSize = Long(item, PartSize),
        PartCount = (int)Long(item, PartCount),
        Sha256 = Text(item, Sha256),
        CreatedAt = Time(item, CreatedAt)!.Value,
        ExpiresAt = Time(item, ExpiresAt)!.Value,
        Etag = Text(item, Etag),
        ObjectSha256 = Text(item, ObjectSha256),
        CompletedAt = Time(item, CompletedAt),
    };

    internal static string ModeName(UploadMode mode) => mode == UploadMode.Multipart ? "multipart" : "single";

    internal static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Applies <paramref name="update"/> only while the session is in one of <paramref name="from"/>; false otherwise.</summary>
    private async Task<bool> TransitionAsync(
        string uploadId, string update, Dictionary<string, string> names, Dictionary<string, AttributeValue> values, string[] from, CancellationToken cancellation)
    {
        names["#state"] = State;
        var allowed = new List<string>(from.Length);
        for (int i = 0; i < from.Length; i++)
        {
            string name = ":from" + i.ToString(CultureInfo.InvariantCulture);
            values[name] = new() { S = from[i] };
            allowed.Add(name);
        }

        try
        {
            await _dynamoDb.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table,
                    Key = new Dictionary<string, AttributeValue> { [Pk] = new() { S = uploadId } },
                    UpdateExpression = update,
                    ConditionExpression = allowed.Count == 1 ? $"#state = {allowed[0]}" : $"#state IN ({string.Join(", ", allowed)})",
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                },
                cancellation);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = new AttributeValue { S = value };
        }
    }

    private static string? Text(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) ? value.S : null;

    private static long Long(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) && value.N is { } n ? long.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;

    private static DateTimeOffset? Time(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        Text(item, name) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : null;
}
