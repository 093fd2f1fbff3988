using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>A stream record waiting to be read by the event source mapping, with the cause of the write that made it.</summary>
public sealed record StreamRecord(JsonObject Record, string SequenceNumber, Cause Cause);

/// <summary>
/// A DynamoDB stream, which dynalite does not have: <see cref="CaptureAsync"/> scans the table and turns every item
/// that is new, changed or gone since the previous scan into an INSERT, MODIFY or REMOVE record with the images the
/// table's StreamViewType asks for.
/// </summary>
public sealed class DynamoStreamEmulator(IAmazonDynamoDB dynamoDb, string tableName, string streamArn, string viewType, IReadOnlyList<string> keyNames)
{
    private readonly Dictionary<string, Dictionary<string, AttributeValue>> _snapshot = new(StringComparer.Ordinal);
    private long _sequence = 100000000000000000;

    public string StreamArn => streamArn;

    /// <summary>Records not yet consumed, oldest first.</summary>
    public List<StreamRecord> Pending { get; } = [];

    public async Task CaptureAsync(Cause cause)
    {
        var current = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            ScanResponse page = await dynamoDb.ScanAsync(new ScanRequest { TableName = tableName, ExclusiveStartKey = startKey, ConsistentRead = true });
            foreach (Dictionary<string, AttributeValue> item in page.Items)
            {
                current[KeyOf(item)] = item;
            }

            startKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        foreach ((string key, Dictionary<string, AttributeValue> item) in current)
        {
            if (!_snapshot.TryGetValue(key, out Dictionary<string, AttributeValue>? before))
            {
                Append("INSERT", item, null, cause);
            }
            else if (ToJson(before).ToJsonString() != ToJson(item).ToJsonString())
            {
                Append("MODIFY", item, before, cause);
            }
        }

        foreach ((string key, Dictionary<string, AttributeValue> item) in _snapshot.Where(s => !current.ContainsKey(s.Key)).ToList())
        {
            Append("REMOVE", null, item, cause);
        }

        _snapshot.Clear();
        foreach ((string key, Dictionary<string, AttributeValue> item) in current)
        {
            _snapshot[key] = item;
        }
    }

    private void Append(string eventName, Dictionary<string, AttributeValue>? newImage, Dictionary<string, AttributeValue>? oldImage, Cause cause)
    {
        Dictionary<string, AttributeValue> any = newImage ?? oldImage!;
        string sequenceNumber = (++_sequence).ToString(CultureInfo.InvariantCulture);
        var change = new JsonObject
        {
            ["ApproximateCreationDateTime"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["Keys"] = ToJson(keyNames.ToDictionary(k => k, k => any[k])),
        };
        if (newImage is not null && viewType is "NEW_IMAGE" or "NEW_AND_OLD_IMAGES")
        {
            change["NewImage"] = ToJson(newImage);
        }

        if (oldImage is not null && viewType is "OLD_IMAGE" or "NEW_AND_OLD_IMAGES")
        {
            change["OldImage"] = ToJson(oldImage);
        }

        change["SequenceNumber"] = sequenceNumber;
        change["SizeBytes"] = ToJson(any).ToJsonString().Length;
        change["StreamViewType"] = viewType;
        var record = new JsonObject
        {
            ["eventID"] = Guid.NewGuid().ToString("N"),
            ["eventName"] = eventName,
            ["eventVersion"] = "1.1",
            ["eventSource"] = "aws:dynamodb",
            ["awsRegion"] = EmulatorFixture.Region,
            ["dynamodb"] = change,
            ["eventSourceARN"] = streamArn,
        };
        Pending.Add(new StreamRecord(record, sequenceNumber, cause));
    }

    private string KeyOf(Dictionary<string, AttributeValue> item) =>
        ToJson(keyNames.ToDictionary(k => k, k => item[k])).ToJsonString();

    /// <summary>An item in DynamoDB's JSON wire form (<c>{"name":{"S":"..."}}</c>), as stream records carry it.</summary>
    private static JsonObject ToJson(Dictionary<string, AttributeValue> item)
    {
        var json = new JsonObject();
        foreach ((string name, AttributeValue value) in item.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            json[name] = ToJson(value);
        }

        return json;
    }

    private static JsonObject ToJson(AttributeValue value) => value switch
    {
        { S: not null } => new JsonObject { ["S"] = value.S },
        { N: not null } => new JsonObject { ["N"] = value.N },
        { B: not null } => new JsonObject { ["B"] = Convert.ToBase64String(value.B.ToArray()) },
        { BOOL: not null } => new JsonObject { ["BOOL"] = value.BOOL },
        { NULL: true } => new JsonObject { ["NULL"] = true },
        { M: not null } => new JsonObject { ["M"] = ToJson(value.M) },
        { L: not null } => new JsonObject { ["L"] = new JsonArray(value.L.Select(v => (JsonNode)ToJson(v)).ToArray()) },
        { SS: not null } => new JsonObject { ["SS"] = new JsonArray(value.SS.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) },
        { NS: not null } => new JsonObject { ["NS"] = new JsonArray(value.NS.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) },
        _ => throw new NotSupportedException("Unsupported DynamoDB attribute value in a stream image."),
    };
}
