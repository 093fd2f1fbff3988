using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Store;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>
/// The outbox: the table's stream record of a new settlement row, rendered by the Pipe's input template (the construct
/// builds it in src/Constructs/EventDrivenSettlement/Outbox.cs; docs/EventDrivenSettlement.md shows it), must be a valid
/// Settlement.Finalized detail, and equal to what the REST API answers for the same settlement. This project cannot
/// reference the construct assembly (it would pull in the AOT handler build), so the template is repeated here; the
/// integration tests render the one read from the synthesized template over rows the handler wrote, which catches a drift.
/// This test pins the handler's side: the item it writes.
/// </summary>
public partial class OutboxTemplateTests
{
    /// <summary>The construct's InputTemplate, as Outbox.cs builds it.</summary>
    public const string InputTemplate =
        """{"schemaVersion":1,"settlementId":"<$.dynamodb.NewImage.settlementId.S>","claimId":"<$.dynamodb.NewImage.claimId.S>","customerId":"<$.dynamodb.NewImage.customerId.S>","documentType":"<$.dynamodb.NewImage.documentType.S>","damageLevel":"<$.dynamodb.NewImage.damageLevel.S>","payoutAmount":"<$.dynamodb.NewImage.payoutAmount.S>","outOfPocketAmount":"<$.dynamodb.NewImage.outOfPocketAmount.S>","currency":"<$.dynamodb.NewImage.currency.S>","correlationId":"<$.dynamodb.NewImage.correlationId.S>","finalizedAt":"<$.dynamodb.NewImage.finalizedAt.S>"}""";

    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    [Theory]
    [InlineData("MINOR", "1234.5")]
    [InlineData("SEVERE", "0")]
    [InlineData("TOTAL_LOSS", "10000000")]
    public void The_rendered_event_of_a_written_row_is_a_valid_Settlement_Finalized(string level, string cost)
    {
        SettlementRecord settlement = Settle(SettlementSamples.Detail(level: level, cost: cost));
        string record = StreamRecord(SettlementItem.ToItem(settlement));

        string detail = Render(InputTemplate, record);

        SettlementContracts.SettlementFinalized.Validate(Encoding.UTF8.GetBytes(detail)).Should().BeEmpty();
        ContractOracle.IsValid(ContractOracle.SettlementFinalized, detail).Should().BeTrue();
    }

    [Fact]
    public void The_event_carries_the_amounts_as_written_and_the_deterministic_id()
    {
        SettlementRecord settlement = Settle(SettlementSamples.Detail(cost: "250"), correlationId: "evt-42");

        using JsonDocument detail = JsonDocument.Parse(Render(InputTemplate, StreamRecord(SettlementItem.ToItem(settlement))));

        JsonElement root = detail.RootElement;
        root.GetProperty("schemaVersion").GetInt32().Should().Be(1);
        root.GetProperty("settlementId").GetString().Should().Be(SettlementIds.For("CLM-1"));
        root.GetProperty("payoutAmount").GetString().Should().Be("0.00", "a string attribute keeps its two decimals (an N attribute would be normalised to 0)");
        root.GetProperty("outOfPocketAmount").GetString().Should().Be("250.00");
        root.GetProperty("correlationId").GetString().Should().Be("evt-42");
    }

    [Fact]
    public void Every_placeholder_names_an_attribute_the_handler_writes_as_a_string()
    {
        Dictionary<string, AttributeValue> item = SettlementItem.ToItem(Settle(SettlementSamples.Detail()));

        foreach (Match placeholder in Placeholder().Matches(InputTemplate))
        {
            string[] path = placeholder.Groups[1].Value.Split('.');
            path[..2].Should().Equal("dynamodb", "NewImage");
            item.Should().ContainKey(path[2]);
            path[3].Should().Be("S");
            item[path[2]].S.Should().NotBeNull($"{path[2]} is written as a string");
        }

        item["schemaVersion"].N.Should().Be("1", "the template writes the literal 1; the attribute is a number");
    }

    /// <summary>Renders a Pipes input template: each quoted <c>"&lt;$.path&gt;"</c> becomes the JSON string at that path.</summary>
    internal static string Render(string template, string streamRecord)
    {
        using JsonDocument record = JsonDocument.Parse(streamRecord);
        JsonElement root = record.RootElement;
        return Placeholder().Replace(template, match =>
        {
            JsonElement value = root;
            foreach (string segment in match.Groups[1].Value.Split('.'))
            {
                value = value.GetProperty(segment);
            }

            return JsonSerializer.Serialize(value.GetString(), SettlementTestJson.Default.String);
        });
    }

    /// <summary>The DynamoDB stream record (NEW_IMAGE) of an INSERT of <paramref name="item"/>, in its JSON wire form.</summary>
    internal static string StreamRecord(Dictionary<string, AttributeValue> item)
    {
        var image = new StringBuilder("{");
        foreach ((string name, AttributeValue value) in item)
        {
            if (image.Length > 1)
            {
                image.Append(',');
            }

            string type = value.S is not null ? "S" : "N";
            image.Append('"').Append(name).Append("\":{\"").Append(type).Append("\":")
                .Append(JsonSerializer.Serialize(value.S ?? value.N, SettlementTestJson.Default.String)).Append('}');
        }

        image.Append('}');
        return $$$"""{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"Keys":{"claimId":{"S":"{{{item["claimId"].S}}}"}},"NewImage":{{{image}}},"SequenceNumber":"100","StreamViewType":"NEW_IMAGE"}}""";
    }

    internal static SettlementRecord Settle(string detail, string correlationId = SettlementSamples.EventId)
    {
        new SettlementCalculator(SettlementSamples.Rules)
            .TryCalculate(Claim.ReadValidated(Encoding.UTF8.GetBytes(detail)), correlationId, Now, out SettlementRecord? settlement)
            .Should().BeTrue();
        return settlement!;
    }

    [GeneratedRegex("\"<\\$\\.([A-Za-z0-9_.]+)>\"")]
    private static partial Regex Placeholder();
}
