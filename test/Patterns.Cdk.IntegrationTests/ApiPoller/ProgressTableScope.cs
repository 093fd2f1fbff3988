using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// A fresh progress table in dynalite, created as docs/ApiPoller-contract.md describes it (pk/sk strings, on-demand,
/// TTL on <c>expiresAt</c>), with a <see cref="ProgressStore"/> over it.
/// </summary>
internal sealed class ProgressTableScope
{
    public const int TtlDays = 3;

    private ProgressTableScope(IAmazonDynamoDB dynamoDb, string tableName)
    {
        DynamoDb = dynamoDb;
        TableName = tableName;
        Settings = new ProgressSettings(tableName, TtlDays);
        Store = new ProgressStore(dynamoDb, Settings);
    }

    public IAmazonDynamoDB DynamoDb { get; }

    public string TableName { get; }

    public ProgressSettings Settings { get; }

    public ProgressStore Store { get; }

    /// <summary>True when the emulator accepted the TTL setting (dynalite may not implement UpdateTimeToLive).</summary>
    public bool TtlConfigured { get; private set; }

    public static SourceCatalog Catalog { get; } = SourceCatalog.Parse("""
        [
          {"name": "orders", "baseUrl": "https://partner.example.com/v1/orders", "pagination": "PageNumber", "pageSize": 100,
           "parameters": [{"name": "since", "pattern": "\\d{4}-\\d{2}-\\d{2}", "maxLength": 10, "required": true}]},
          {"name": "feed", "baseUrl": "https://partner.example.com/v1/feed", "pagination": "Cursor", "pageSize": 50}
        ]
        """);

    public static async Task<ProgressTableScope> CreateAsync(EmulatorFixture emulators)
    {
        string name = "progress-" + Guid.NewGuid().ToString("N")[..12];
        await emulators.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.S)],
        });
        while ((await emulators.DynamoDb.DescribeTableAsync(name)).Table.TableStatus != TableStatus.ACTIVE)
        {
            await Task.Delay(5);
        }

        var scope = new ProgressTableScope(emulators.DynamoDb, name);
        try
        {
            await emulators.DynamoDb.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = name,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ProgressTable.ExpiresAt, Enabled = true },
            });
            scope.TtlConfigured = true;
        }
        catch (AmazonDynamoDBException)
        {
            scope.TtlConfigured = false;
        }

        return scope;
    }

    /// <summary>A new API job for source "orders" (since=2024-01-01), not yet written.</summary>
    public static NewJob OrdersJob(string? jobId = null, string since = "2024-01-01")
    {
        SourceDefinition orders = Catalog.Get("orders");
        JobParameters parameters = JobParameters.Validate(orders, new Dictionary<string, string> { ["since"] = since }).Parameters!;
        return NewJob.Create(jobId ?? JobIds.New(), orders, parameters, ProgressTable.TriggerApi);
    }

    /// <summary>The raw item, read strongly consistently.</summary>
    public async Task<Dictionary<string, AttributeValue>?> RawItemAsync(string jobId, string sortKey)
    {
        GetItemResponse response = await DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "JOB#" + jobId }, ["sk"] = new() { S = sortKey } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }
}
