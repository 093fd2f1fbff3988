using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.MwaaScheduler.Lock;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>MwaaLock: the conditional writes it sends and how it reports their outcomes.</summary>
public sealed class MwaaLockTests
{
    private const string Owner = "arn:aws:states:eu-west-1:111122223333:execution:PauseWorkflow:run-1";
    private static readonly DateTimeOffset Now = FixedClock.DefaultNow;

    private readonly IAmazonDynamoDB _dynamoDb = Substitute.For<IAmazonDynamoDB>();
    private readonly TestLog _log = new();

    [Fact]
    public void Acquire_is_a_put_conditioned_on_free_expired_or_ours()
    {
        PutItemRequest put = LockWrites.Acquire("locks", "analytics-prod", Owner, "pause", 3600, Now);

        put.TableName.Should().Be("locks");
        put.ConditionExpression.Should().Be("attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner");
        put.ExpressionAttributeNames.Should().Equal(new Dictionary<string, string> { ["#owner"] = "owner" });
        put.ExpressionAttributeValues[":now"].N.Should().Be(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        put.ExpressionAttributeValues[":owner"].S.Should().Be(Owner);
        put.Item["pk"].S.Should().Be("analytics-prod");
        put.Item["owner"].S.Should().Be(Owner);
        put.Item["operation"].S.Should().Be("pause");
        long expiresAt = Now.ToUnixTimeSeconds() + 3600;
        put.Item["expiresAt"].N.Should().Be(expiresAt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        put.Item["ttl"].N.Should().Be(put.Item["expiresAt"].N, "DynamoDB's TTL removes the item after it expires");
        put.Item["acquiredAt"].S.Should().Be("2025-03-14T15:09:26Z");
        put.ReturnValuesOnConditionCheckFailure.Should().Be(ReturnValuesOnConditionCheckFailure.ALL_OLD);
    }

    [Fact]
    public void Release_is_a_delete_conditioned_on_ours()
    {
        DeleteItemRequest delete = LockWrites.Release("locks", "analytics-prod", Owner);

        delete.Key["pk"].S.Should().Be("analytics-prod");
        delete.ConditionExpression.Should().Be("#owner = :owner");
        delete.ExpressionAttributeValues[":owner"].S.Should().Be(Owner);
    }

    [Fact]
    public async Task Acquire_returns_the_expiry()
    {
        JsonElement output = await InvokeAsync(Acquire(Owner));

        output.GetProperty("acquired").GetBoolean().Should().BeTrue();
        output.GetProperty("expiresAt").GetInt64().Should().Be(Now.ToUnixTimeSeconds() + 7200);
        await _dynamoDb.Received(1).PutItemAsync(Arg.Is<PutItemRequest>(p => p.TableName == "locks" && p.Item["operation"].S == "resume"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_lock_held_by_another_execution_is_LockHeld_naming_it()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Throws(new ConditionalCheckFailedException("failed")
        {
            Item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = "analytics-prod" },
                ["owner"] = new() { S = "arn:aws:states:eu-west-1:111122223333:execution:ResumeWorkflow:other" },
                ["operation"] = new() { S = "resume" },
                ["expiresAt"] = new() { N = "1742000000" },
            },
        });

        Exception error = await FailAsync(Acquire(Owner));

        ErrorReport.From(error).ErrorType.Should().Be("LockHeld");
        error.Message.Should().Be("lock analytics-prod is held by resume execution arn:aws:states:eu-west-1:111122223333:execution:ResumeWorkflow:other until 2025-03-15T00:53:20Z");
    }

    [Fact]
    public async Task Without_the_old_item_in_the_failure_the_holder_is_read_back()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Throws(new ConditionalCheckFailedException("failed"));
        _dynamoDb.GetItemAsync(Arg.Any<GetItemRequest>(), Arg.Any<CancellationToken>()).Returns(new GetItemResponse
        {
            Item = new Dictionary<string, AttributeValue> { ["owner"] = new() { S = "other" }, ["operation"] = new() { S = "pause" }, ["expiresAt"] = new() { N = "1742000000" } },
        });

        (await FailAsync(Acquire(Owner))).Should().BeOfType<LockHeld>().Which.Message.Should().Contain("held by pause execution other");
        await _dynamoDb.Received(1).GetItemAsync(Arg.Is<GetItemRequest>(g => g.ConsistentRead == true), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Release_reports_whether_it_deleted_the_lock()
    {
        (await InvokeAsync(Release(Owner))).GetProperty("released").GetBoolean().Should().BeTrue();

        _dynamoDb.DeleteItemAsync(Arg.Any<DeleteItemRequest>(), Arg.Any<CancellationToken>()).Throws(new ConditionalCheckFailedException("not yours"));
        (await InvokeAsync(Release("someone-else"))).GetProperty("released").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Other_dynamodb_errors_propagate_for_the_workflow_to_retry()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Throws(new ProvisionedThroughputExceededException("slow"));

        (await FailAsync(Acquire(Owner))).Should().BeOfType<ProvisionedThroughputExceededException>();
    }

    [Theory]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","operation":"pause"}""", "*ttlSeconds*")]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","operation":"pause","ttlSeconds":0}""", "*ttlSeconds*")]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","operation":"pause","ttlSeconds":700000}""", "*ttlSeconds*")]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","ttlSeconds":60}""", "*operation is required*")]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","operation":"pause now!","ttlSeconds":60}""", "*operation has characters*")]
    [InlineData("""{"action":"release","owner":"o"}""", "*lockName is required*")]
    [InlineData("""{"action":"release","lockName":"env"}""", "*owner is required*")]
    [InlineData("""{"action":"steal","lockName":"env","owner":"o"}""", "*action must be acquire or release*")]
    [InlineData("""{"action":"acquire","lockName":"env","owner":"o","operation":"pause","ttlSeconds":"long"}""", "*not valid*")]
    public async Task Bad_input_is_BadInput_and_writes_nothing(string payload, string message)
    {
        (await FailAsync(payload)).Should().BeOfType<BadInput>().Which.Message.Should().Match(message);
        _dynamoDb.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task A_failed_invocation_logs_one_line_with_the_error_name_the_workflow_sees()
    {
        (await FailAsync("{not json")).Should().BeOfType<BadInput>();

        System.Text.Json.JsonElement line = _log.At("ERROR").Should().ContainSingle().Subject;
        line.GetProperty("errorType").GetString().Should().Be("BadInput");
        line.GetProperty("message").GetString().Should().Be("invocation failed");
    }

    [Fact]
    public async Task A_retryable_failure_says_the_workflow_may_retry_it()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>()).Throws(new ProvisionedThroughputExceededException("slow"));

        await FailAsync(Acquire(Owner));

        _log.At("ERROR").Should().ContainSingle().Which.GetProperty("errorType").GetString().Should().Be("ProvisionedThroughputExceededException");
        _log.Messages("ERROR").Should().Equal("invocation failed; the workflow may retry it");
    }

    [Fact]
    public void Settings_need_the_table() =>
        FluentActions.Invoking(() => LockSettings.FromEnvironment(_ => null)).Should().Throw<InvalidOperationException>().WithMessage("MwaaLock is misconfigured: LOCK_TABLE is required*");

    private static string Acquire(string owner) => $$"""{"action":"acquire","lockName":"analytics-prod","owner":"{{owner}}","operation":"resume","ttlSeconds":7200}""";

    private static string Release(string owner) => $$"""{"action":"release","lockName":"analytics-prod","owner":"{{owner}}"}""";

    private MwaaLock Handler() => new(_dynamoDb, new LockSettings("locks"), _log.Log, new FixedClock(Now));

    private async Task<JsonElement> InvokeAsync(string payload)
    {
        Stream output = await Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private async Task<Exception> FailAsync(string payload)
    {
        Func<Task> call = () => Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return (await call.Should().ThrowAsync<Exception>()).Which;
    }
}
