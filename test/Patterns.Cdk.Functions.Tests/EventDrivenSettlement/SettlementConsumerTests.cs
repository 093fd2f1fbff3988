using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;
using static Patterns.Cdk.Functions.Tests.EventDrivenSettlement.SettlementSamples;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class SettlementConsumerTests
{
    private readonly FakeSettlementTable _table = new();
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly List<SendMessageRequest> _parked = [];
    private readonly TestLog _log = new();

    public SettlementConsumerTests()
    {
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(_parked.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());
    }

    [Fact]
    public async Task A_new_claim_is_settled_once_and_the_batch_has_no_failures()
    {
        IReadOnlyList<string> failures = await Handle(("m1", Event(Detail())));

        failures.Should().BeEmpty();
        SettlementRecord stored = Stored("CLM-1");
        stored.SettlementId.Should().Be(SettlementIds.For("CLM-1"));
        stored.CorrelationId.Should().Be(EventId, "the correlation id is the input event's id");
        stored.PayoutAmount.Should().Be("984.50");
        stored.FinalizedAt.Should().Be("2025-03-14T15:09:26.535Z");
        _parked.Should().BeEmpty();
        JsonElement line = _log.At("INFO").Should().ContainSingle(l => l.GetProperty("message").GetString() == "settlement finalized").Subject;
        line.GetProperty("claimId").GetString().Should().Be("CLM-1");
        line.GetProperty("settlementId").GetString().Should().Be(SettlementIds.For("CLM-1"));
        line.GetProperty("correlationId").GetString().Should().Be(EventId);
        line.GetProperty("messageId").GetString().Should().Be("m1");
    }

    [Fact]
    public async Task Three_deliveries_of_each_claim_in_any_order_give_one_row_per_claim()
    {
        var messages = new List<(string, string)>();
        for (int copy = 0; copy < 3; copy++)
        {
            for (int claim = 1; claim <= 4; claim++)
            {
                messages.Add(($"m{claim}-{copy}", Event(Detail(claimId: $"CLM-{claim}", cost: $"{claim}000"), id: $"evt-{claim}")));
            }
        }

        messages.Reverse();
        IReadOnlyList<string> failures = await Handle([.. messages]);

        failures.Should().BeEmpty();
        _table.Items.Should().HaveCount(4);
        _table.Puts.Should().HaveCount(12, "every delivery tries the conditional put");
        _log.Messages("INFO").Count(m => m == "settlement finalized").Should().Be(4);
        _log.Messages("INFO").Count(m => m!.Contains("duplicate delivery", StringComparison.Ordinal)).Should().Be(8);
        _parked.Should().BeEmpty();
    }

    [Fact]
    public async Task A_conflicting_claim_is_parked_with_the_reason_and_the_stored_row_stands()
    {
        await Handle(("m1", Event(Detail(cost: "1000"), id: "evt-1")));

        IReadOnlyList<string> failures = await Handle(("m2", Event(Detail(cost: "2000"), id: "evt-2")));

        failures.Should().BeEmpty("a conflict is parked at once, not retried");
        Stored("CLM-1").CorrelationId.Should().Be("evt-1");
        Stored("CLM-1").EstimatedCost.Should().Be("1000.00");
        SendMessageRequest parked = _parked.Should().ContainSingle().Subject;
        parked.QueueUrl.Should().Be(Samples.DeadLetterQueueUrl);
        parked.MessageBody.Should().Be(Event(Detail(cost: "2000"), id: "evt-2"), "the original message is kept");
        parked.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should()
            .Be($"conflict: claim CLM-1 is already settled (settlementId {SettlementIds.For("CLM-1")}, correlationId evt-1) from different content; the stored settlement is not overwritten");
        parked.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue.Should().Be("m2");
        _log.At("ERROR").Should().Contain(l => l.GetProperty("message").GetString()!.Contains("conflict", StringComparison.Ordinal)
            && l.GetProperty("claimId").GetString() == "CLM-1" && l.GetProperty("correlationId").GetString() == "evt-2");
    }

    [Fact]
    public async Task A_contract_violation_is_parked_at_once_with_every_violation()
    {
        string detail = """{"customerId":"CUST-1","claimId":"CLM-1","documentType":"BOAT","damage":{"level":"MINOR","estimatedCost":-1}}""";

        IReadOnlyList<string> failures = await Handle(("m1", Event(detail)));

        failures.Should().BeEmpty();
        _table.Puts.Should().BeEmpty();
        Reason().Should().Be(
            "the claim breaks the Fraud.Not.Detected contract: /documentType: must be one of CAR, HOME, TRAVEL; /damage/estimatedCost: must be at least 0; /fraudType: is required");
    }

    [Fact]
    public async Task A_claim_without_a_deductible_rule_is_parked_with_the_reason()
    {
        IReadOnlyList<string> failures = await Handle(("m1", Event(Detail(documentType: "TRAVEL"))));

        failures.Should().BeEmpty();
        _table.Puts.Should().BeEmpty();
        Reason().Should().StartWith("no deductible rule for documentType TRAVEL and damageLevel MINOR");
    }

    [Theory]
    [InlineData("not json at all", "the message body is not valid JSON")]
    [InlineData("""{"Records":[{"s3":{}}]}""", "the message body is not an EventBridge event: it lacks id, source, detail-type, detail")]
    [InlineData("""{"id":"e1","source":"fraud.service","detail-type":"Fraud.Detected","detail":{}}""", "the event is 'Fraud.Detected' from 'fraud.service'; this consumer settles only Fraud.Not.Detected from fraud.service")]
    [InlineData("""{"id":"e1","source":"evil.service","detail-type":"Fraud.Not.Detected","detail":{}}""", "the event is 'Fraud.Not.Detected' from 'evil.service'")]
    public async Task A_poison_message_is_parked_at_once(string body, string reason)
    {
        IReadOnlyList<string> failures = await Handle(("m1", body));

        failures.Should().BeEmpty();
        _table.Puts.Should().BeEmpty();
        Reason().Should().StartWith(reason);
    }

    [Fact]
    public async Task Only_the_transient_failure_is_reported_in_a_mixed_batch()
    {
        await Handle(("seed", Event(Detail(claimId: "CLM-DUP"))));
        _parked.Clear();
        _table.FailNextPut(FakeSettlementTable.Throttling);

        IReadOnlyList<string> failures = await Handle(
            ("throttled", Event(Detail(claimId: "CLM-T"))),
            ("ok", Event(Detail(claimId: "CLM-OK"))),
            ("duplicate", Event(Detail(claimId: "CLM-DUP"))),
            ("poison", "{"),
            ("invalid", Event(Detail(claimId: "bad id"))));

        failures.Should().Equal(["throttled"], "only a transient failure is worth a redelivery");
        _table.Items.Keys.Should().BeEquivalentTo("CLM-DUP", "CLM-OK");
        _parked.Select(p => p.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue).Should().Equal("poison", "invalid");
        _log.At("WARN").Should().Contain(l => l.GetProperty("message").GetString()!.Contains("transient", StringComparison.Ordinal)
            && l.GetProperty("claimId").GetString() == "CLM-T");
    }

    [Fact]
    public async Task A_5xx_from_DynamoDB_is_retried_and_the_redelivery_settles_the_claim()
    {
        _table.FailNextPut(FakeSettlementTable.ServiceUnavailable);

        (await Handle(("m1", Event(Detail())))).Should().Equal("m1");
        (await Handle(("m1", Event(Detail())))).Should().BeEmpty();

        _table.Items.Should().ContainKey("CLM-1");
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_bad_messages_are_reported_failed_not_lost()
    {
        IReadOnlyList<string> failures = await Handle(Settings(deadLetterQueueUrl: null), ("m1", "nonsense"));

        failures.Should().Equal("m1");
    }

    [Fact]
    public async Task Logs_never_contain_the_payload()
    {
        await Handle(("m1", Event(Detail(customerId: "PRIVATE-CUSTOMER", part: "PRIVATE-PART"))), ("m2", Event(Detail(claimId: "CLM-2", documentType: "HOME", part: "PRIVATE-PART"))));

        _log.Text.Should().NotContain("PRIVATE").And.NotContain("estimatedCost").And.NotContain("bumper");
    }

    [Fact]
    public async Task The_settlement_does_not_depend_on_the_delivery()
    {
        await Handle(("m1", Event(Detail(), id: "evt-a")));
        SettlementRecord first = Stored("CLM-1");
        var other = new FakeSettlementTable();
        var consumer = new SettlementConsumer(other.Client, _sqs, Settings(), _log.Log, new FixedClock(FixedClock.DefaultNow.AddHours(5)));

        await consumer.HandleAsync(Samples.Utf8(Samples.SqsEvent(Samples.SqsMessage("m9", Event(Detail(extra: ",\"x\":1"), id: "evt-b")))));

        SettlementRecord second = SettlementItem(other, "CLM-1");
        second.SettlementId.Should().Be(first.SettlementId);
        second.ContentHash.Should().Be(first.ContentHash);
        second.PayoutAmount.Should().Be(first.PayoutAmount);
    }

    private async Task<IReadOnlyList<string>> Handle(params (string Id, string Body)[] messages) => await Handle(Settings(), messages);

    private async Task<IReadOnlyList<string>> Handle(Patterns.Cdk.Functions.EventDrivenSettlement.SettlementSettings settings, params (string Id, string Body)[] messages)
    {
        var consumer = new SettlementConsumer(_table.Client, _sqs, settings, _log.Log, new FixedClock(FixedClock.DefaultNow));
        string batch = Samples.SqsEvent(messages.Select(m => Samples.SqsMessage(m.Id, m.Body)).ToArray());
        Stream output = await consumer.HandleAsync(Samples.Utf8(batch));
        using JsonDocument response = JsonDocument.Parse(Samples.ReadAll(output));
        return response.RootElement.GetProperty("batchItemFailures").EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()!).ToList();
    }

    private SettlementRecord Stored(string claimId) => SettlementItem(_table, claimId);

    private static SettlementRecord SettlementItem(FakeSettlementTable table, string claimId) =>
        Patterns.Cdk.Functions.EventDrivenSettlement.Store.SettlementItem.FromItem(table.Items[claimId]);

    private string Reason() => _parked.Should().ContainSingle().Subject.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue;
}
