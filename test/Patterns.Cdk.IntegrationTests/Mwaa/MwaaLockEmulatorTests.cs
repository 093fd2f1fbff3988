using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.Mwaa;

/// <summary>MwaaLock's conditional writes against DynamoDB (dynalite), with a clock the test moves.</summary>
[Collection(UsesEmulators.Name)]
public sealed class MwaaLockEmulatorTests(EmulatorFixture emulators)
{
    private const string Pause = "arn:aws:states:us-east-1:111122223333:execution:PauseWorkflow:p-1";
    private const string Resume = "arn:aws:states:us-east-1:111122223333:execution:ResumeWorkflow:r-1";

    private readonly MovableClock _clock = new(new DateTimeOffset(2026, 12, 5, 20, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Acquire_refuse_reenter_expire_take_over_and_release()
    {
        string table = await CreateTableAsync();
        MwaaLock locks = new(emulators.CreateDynamoDb(), new LockSettings(table), new JsonLog(Stream.Null, _ => null, TimeProvider.System), _clock);

        JsonNode first = await InvokeAsync(locks, Acquire(Pause, "pause", 600));
        ((bool)first["acquired"]!).Should().BeTrue();
        ((long)first["expiresAt"]!).Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds() + 600);

        Func<Task> second = () => InvokeAsync(locks, Acquire(Resume, "resume", 600));
        (await second.Should().ThrowAsync<LockHeld>()).Which.Message.Should().Be($"lock analytics-prod is held by pause execution {Pause} until 2026-12-05T20:10:00Z");

        _clock.Advance(TimeSpan.FromMinutes(5));
        JsonNode again = await InvokeAsync(locks, Acquire(Pause, "pause", 600));
        ((long)again["expiresAt"]!).Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds() + 600, "the holder's retried acquire succeeds and extends the lock");

        ((bool)(await InvokeAsync(locks, Release(Resume)))["released"]!).Should().BeFalse("a non-owner's release deletes nothing");
        (await ItemAsync(table)).Should().NotBeNull();

        _clock.Advance(TimeSpan.FromMinutes(11));
        JsonNode takenOver = await InvokeAsync(locks, Acquire(Resume, "resume", 600));
        ((bool)takenOver["acquired"]!).Should().BeTrue("an expired lock is free");
        (await ItemAsync(table))!["owner"].S.Should().Be(Resume);

        ((bool)(await InvokeAsync(locks, Release(Pause)))["released"]!).Should().BeFalse("the old holder's late release must not free the new holder's lock");
        (await ItemAsync(table))!["owner"].S.Should().Be(Resume);

        ((bool)(await InvokeAsync(locks, Release(Resume)))["released"]!).Should().BeTrue();
        (await ItemAsync(table)).Should().BeNull();
        ((bool)(await InvokeAsync(locks, Acquire(Pause, "pause", 600)))["acquired"]!).Should().BeTrue("a released lock is free");
    }

    private async Task<string> CreateTableAsync()
    {
        string name = "mwaa-locks-" + Guid.NewGuid().ToString("N")[..10];
        await emulators.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        return name;
    }

    private async Task<Dictionary<string, AttributeValue>?> ItemAsync(string table)
    {
        GetItemResponse response = await emulators.DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = table, Key = new() { ["pk"] = new AttributeValue { S = "analytics-prod" } }, ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private static string Acquire(string owner, string operation, int ttl) =>
        $$"""{"action":"acquire","lockName":"analytics-prod","owner":"{{owner}}","operation":"{{operation}}","ttlSeconds":{{ttl}}}""";

    private static string Release(string owner) => $$"""{"action":"release","lockName":"analytics-prod","owner":"{{owner}}"}""";

    private static async Task<JsonNode> InvokeAsync(MwaaLock locks, string payload)
    {
        Stream result = await locks.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return JsonNode.Parse(result)!;
    }

    private sealed class MovableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
