using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Store;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class SettlementStoreTests
{
    private readonly FakeSettlementTable _table = new();

    private SettlementStore Store => new(_table.Client, SettlementSamples.Table);

    [Fact]
    public async Task A_new_claim_is_written_with_a_conditional_put_that_returns_the_old_item_on_failure()
    {
        SettlementRecord settlement = OutboxTemplateTests.Settle(SettlementSamples.Detail());

        StoreOutcome outcome = await Store.PutAsync(settlement);

        outcome.Should().Be(new StoreOutcome(StoreOutcomeKind.Created, settlement));
        PutItemRequest put = _table.Puts.Should().ContainSingle().Subject;
        put.TableName.Should().Be(SettlementSamples.Table);
        put.ConditionExpression.Should().Be("attribute_not_exists(claimId)");
        put.ReturnValuesOnConditionCheckFailure.Should().Be(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        put.Item.Keys.Should().BeEquivalentTo(
            "claimId", "settlementId", "customerId", "documentType", "damageLevel", "estimatedCost", "payoutAmount",
            "outOfPocketAmount", "currency", "correlationId", "contentHash", "finalizedAt", "schemaVersion");
        put.Item.Where(a => a.Key != "schemaVersion").Should().OnlyContain(a => a.Value.S != null, "every attribute but schemaVersion is a string");
        put.Item["schemaVersion"].N.Should().Be("1");
        _table.Gets.Should().BeEmpty();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_same_content_again_is_a_duplicate_that_returns_the_stored_settlement(bool returnsOldItem)
    {
        _table.ReturnsOldItem = returnsOldItem;
        SettlementRecord first = OutboxTemplateTests.Settle(SettlementSamples.Detail(), correlationId: "evt-1");
        await Store.PutAsync(first);

        StoreOutcome outcome = await Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail(), correlationId: "evt-2"));

        outcome.Kind.Should().Be(StoreOutcomeKind.Duplicate);
        outcome.Stored.Should().Be(first, "the stored settlement (first correlation id) stands");
        _table.Items.Should().ContainSingle();
        if (returnsOldItem)
        {
            _table.Gets.Should().BeEmpty("ALL_OLD returned the stored item with the failed condition");
        }
        else
        {
            GetItemRequest get = _table.Gets.Should().ContainSingle("dynalite returns no item, so it is read back").Subject;
            get.ConsistentRead.Should().BeTrue();
            get.Key["claimId"].S.Should().Be("CLM-1");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Different_content_under_the_same_claim_id_is_a_conflict_and_nothing_is_overwritten(bool returnsOldItem)
    {
        _table.ReturnsOldItem = returnsOldItem;
        SettlementRecord first = OutboxTemplateTests.Settle(SettlementSamples.Detail(cost: "1000"));
        await Store.PutAsync(first);

        StoreOutcome outcome = await Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail(cost: "2000")));

        outcome.Kind.Should().Be(StoreOutcomeKind.Conflict);
        outcome.Stored.Should().Be(first);
        SettlementItem.FromItem(_table.Items["CLM-1"]).Should().Be(first);
    }

    [Fact]
    public async Task A_stored_row_without_a_content_hash_is_never_taken_for_a_duplicate()
    {
        _table.Store(new Dictionary<string, AttributeValue> { ["claimId"] = new() { S = "CLM-1" }, ["settlementId"] = new() { S = "x" } });

        StoreOutcome outcome = await Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail()));

        outcome.Kind.Should().Be(StoreOutcomeKind.Conflict);
        outcome.Stored.SettlementId.Should().Be("x");
        outcome.Stored.Currency.Should().BeEmpty();
    }

    [Fact]
    public async Task A_row_deleted_between_the_failed_put_and_the_read_is_a_retryable_error()
    {
        _table.ReturnsOldItem = false;
        await Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail()));
        _table.OnConditionFailed = _table.Delete;

        Func<Task> put = () => Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail()));

        await put.Should().ThrowAsync<SettlementVanishedException>();
    }

    [Fact]
    public async Task Service_errors_reach_the_caller()
    {
        _table.FailNextPut(FakeSettlementTable.Throttling);

        Func<Task> put = () => Store.PutAsync(OutboxTemplateTests.Settle(SettlementSamples.Detail()));

        await put.Should().ThrowAsync<AmazonDynamoDBException>();
    }

    [Fact]
    public async Task Get_is_a_consistent_read_of_the_claim()
    {
        SettlementRecord settlement = OutboxTemplateTests.Settle(SettlementSamples.Detail());
        await Store.PutAsync(settlement);

        (await Store.GetAsync("CLM-1")).Should().Be(settlement);
        (await Store.GetAsync("CLM-404")).Should().BeNull();
        _table.Gets.Should().OnlyContain(g => g.ConsistentRead == true);
    }
}
