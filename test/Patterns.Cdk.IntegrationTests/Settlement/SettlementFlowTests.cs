using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;
using Json.Schema;
using Patterns.Cdk.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Settlement;

/// <summary>
/// EventDrivenSettlement end to end on the emulators, wired from its synthesized template (<see cref="SettlementDeployment"/>):
/// exactly one settlement row and one <c>Settlement.Finalized</c> per claim however often and in whatever order the
/// claims arrive; conflicts and contract breaches parked with their reasons; and the REST path through the same
/// conditional write and the same outbox.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class SettlementFlowTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const int Claims = 30;
    private static readonly Lazy<JsonObject> Template = new(() => SettlementDeployment.Synthesize(new EventDrivenSettlementProps { EnableRestApi = true }));
    private static readonly JsonSchema FinalizedSchema =
        JsonSchema.FromText(System.Text.Encoding.UTF8.GetString(Functions.EventDrivenSettlement.Contracts.SettlementContracts.Read(Functions.EventDrivenSettlement.Contracts.SettlementContracts.SettlementFinalizedFile)));

    [Fact]
    public async Task Claims_delivered_three_times_in_shuffled_order_give_one_row_and_one_event_each_with_deterministic_ids()
    {
        using SettlementDeployment deployment = await SettlementDeployment.CreateAsync(emulators, Template.Value, output);
        var random = new Random(20261205);
        var deliveries = new List<JsonObject>();
        for (int i = 0; i < Claims; i++)
        {
            string level = (i % 4) switch { 0 => "MINOR", 1 => "MODERATE", 2 => "SEVERE", _ => "TOTAL_LOSS" };
            JsonObject detail = Detail($"claim-{i:000}", $"customer-{i % 7}", level, 100m + (i * 137.25m));
            JsonObject original = Event($"evt-{i:000}", detail);
            deliveries.Add(original);
            deliveries.Add(original.DeepClone().AsObject()); // EventBridge's at-least-once delivery: the same event again
            deliveries.Add(Event($"evt-{i:000}-republished", detail.DeepClone().AsObject())); // the producer publishing it again
        }

        // Noise on the same bus that the input rule must not route.
        (await deployment.PutEventAsync(Event("other-1", Detail("claim-x", "c", "MINOR", 1m), detailType: "Fraud.Detected"))).Should().BeFalse();
        (await deployment.PutEventAsync(Event("other-2", Detail("claim-y", "c", "MINOR", 1m), source: "claims.service"))).Should().BeFalse();
        foreach (JsonObject delivery in deliveries.OrderBy(_ => random.Next()))
        {
            (await deployment.PutEventAsync(delivery)).Should().BeTrue();
        }

        await deployment.DriveAsync(maxInvocations: 3 * Claims);

        List<Dictionary<string, AttributeValue>> rows = await ScanAsync(deployment.TableName);
        rows.Should().HaveCount(Claims);
        deployment.Published.Should().HaveCount(Claims, "one Settlement.Finalized per claim, none for duplicates");
        deployment.Published.Select(e => (string)e.Detail["claimId"]!).Should().OnlyHaveUniqueItems();
        foreach (BusEvent published in deployment.Published)
        {
            published.Source.Should().Be("settlement.service");
            published.DetailType.Should().Be("Settlement.Finalized");
            using JsonDocument detail = JsonDocument.Parse(published.Detail.ToJsonString());
            FinalizedSchema.Evaluate(detail.RootElement).IsValid.Should().BeTrue($"the Pipe's detail must satisfy the published contract: {published.Detail.ToJsonString()}");
            string claimId = (string)published.Detail["claimId"]!;
            published.Detail["settlementId"]!.GetValue<string>().Should().Be(SettlementIds.For(claimId));
            ((string)published.Detail["correlationId"]!).Should().StartWith($"evt-{claimId[^3..]}", "the correlation id is the id of the event that settled it");
        }

        (await emulators.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
        output.WriteLine($"{Claims} claims, {deployment.Routed.Count} deliveries, {deployment.Lambda.Invocations.Count} consumer invocations, {rows.Count} rows, {deployment.Published.Count} events");

        // A second pass over the same stream (the Pipe's at-least-once retry) publishes nothing new.
        await deployment.PumpOutboxAsync();
        deployment.Published.Should().HaveCount(Claims);
    }

    [Fact]
    public async Task A_conflicting_claim_and_a_contract_breaking_event_are_parked_with_their_reasons_and_the_stored_settlement_stands()
    {
        using SettlementDeployment deployment = await SettlementDeployment.CreateAsync(emulators, Template.Value, output);
        await deployment.PutEventAsync(Event("evt-a", Detail("claim-a", "customer-1", "MINOR", 1000m)));
        await deployment.DriveAsync(maxInvocations: 5);

        await deployment.PutEventAsync(Event("evt-b", Detail("claim-a", "customer-1", "SEVERE", 9000m)));
        JsonObject broken = Detail("claim-b", "customer-2", "MINOR", 10m);
        broken.Remove("customerId");
        broken["damage"]!["estimatedCost"] = "ten";
        await deployment.PutEventAsync(Event("evt-c", broken));
        await deployment.DriveAsync(maxInvocations: 5);

        List<Message> parked = await emulators.DrainAsync(deployment.DeadLetterQueueUrl);
        parked.Should().HaveCount(2);
        string Reason(string eventId) => parked.Single(m => JsonNode.Parse(m.Body)!["id"]!.GetValue<string>() == eventId)
            .MessageAttributes[DeadLetterForwarder.ReasonAttribute].StringValue;
        Reason("evt-b").Should().Contain("conflict").And.Contain("claim-a").And.Contain(SettlementIds.For("claim-a"));
        Reason("evt-c").Should().Contain("contract").And.Contain("/customerId").And.Contain("/damage/estimatedCost");
        deployment.Lambda.Invocations.Count(i => i.Failed).Should().Be(0, "parked messages are not retried through the redrive policy");

        Dictionary<string, AttributeValue> row = (await ScanAsync(deployment.TableName)).Should().ContainSingle().Subject;
        row["damageLevel"].S.Should().Be("MINOR", "a conflict never overwrites the stored settlement");
        row["correlationId"].S.Should().Be("evt-a");
        deployment.Published.Should().ContainSingle().Which.Detail["correlationId"]!.GetValue<string>().Should().Be("evt-a");
    }

    [Fact]
    public async Task The_REST_path_runs_the_same_write_and_emits_exactly_one_event()
    {
        using SettlementDeployment deployment = await SettlementDeployment.CreateAsync(emulators, Template.Value, output);
        FunctionHost api = deployment.Api ?? throw new InvalidOperationException("EnableRestApi synthesizes the API function");
        JsonObject claim = Detail("claim-rest", "customer-9", "MODERATE", 2500m);

        JsonObject created = await CallAsync(api, "POST", "/settlements", claim.ToJsonString(), correlationId: "rest-1");
        created["statusCode"]!.GetValue<int>().Should().Be(201);
        JsonObject body = JsonNode.Parse((string)created["body"]!)!.AsObject();
        body["settlementId"]!.GetValue<string>().Should().Be(SettlementIds.For("claim-rest"));
        body["payoutAmount"]!.GetValue<string>().Should().Be("2000.00");

        JsonObject retried = await CallAsync(api, "POST", "/settlements", claim.ToJsonString(), correlationId: "rest-2");
        retried["statusCode"]!.GetValue<int>().Should().Be(200);
        JsonNode.Parse((string)retried["body"]!)!["correlationId"]!.GetValue<string>().Should().Be("rest-1", "the stored settlement is returned");

        claim["damage"]!["estimatedCost"] = 2600;
        JsonObject conflict = await CallAsync(api, "POST", "/settlements", claim.ToJsonString());
        conflict["statusCode"]!.GetValue<int>().Should().Be(409);

        JsonObject invalid = await CallAsync(api, "POST", "/settlements", """{"claimId":"","damage":{"level":"BAD"}}""");
        invalid["statusCode"]!.GetValue<int>().Should().Be(400);
        JsonNode.Parse((string)invalid["body"]!)!["errors"]!.AsArray().Count.Should().BeGreaterThanOrEqualTo(4, "every problem is listed");

        JsonObject found = await CallAsync(api, "GET", "/settlements/claim-rest", null, pathClaimId: "claim-rest");
        found["statusCode"]!.GetValue<int>().Should().Be(200);
        JsonObject missing = await CallAsync(api, "GET", "/settlements/nope", null, pathClaimId: "nope");
        missing["statusCode"]!.GetValue<int>().Should().Be(404);

        await deployment.PumpOutboxAsync();
        BusEvent published = deployment.Published.Should().ContainSingle("the seed's REST path emitted none; ours emits exactly one").Subject;
        published.Detail["correlationId"]!.GetValue<string>().Should().Be("rest-1");
        (await ScanAsync(deployment.TableName)).Should().ContainSingle();
    }

    /// <summary>A fraud-domain claim detail as the publisher sends it (also the conservation run's).</summary>
    internal static JsonObject Detail(string claimId, string customerId, string level, decimal cost) => new()
    {
        ["customerId"] = customerId,
        ["claimId"] = claimId,
        ["documentType"] = "CAR",
        ["fraudType"] = "CLAIMS",
        ["damage"] = new JsonObject { ["level"] = level, ["part"] = "bumper", ["estimatedCost"] = cost },
    };

    private static JsonObject Event(string id, JsonObject detail, string source = "fraud.service", string detailType = "Fraud.Not.Detected") => new()
    {
        ["version"] = "0",
        ["id"] = id,
        ["detail-type"] = detailType,
        ["source"] = source,
        ["account"] = ProvisionedResources.Account,
        ["time"] = "2026-12-05T08:00:00Z",
        ["region"] = EmulatorFixture.Region,
        ["resources"] = new JsonArray(),
        ["detail"] = detail,
    };

    private static async Task<JsonObject> CallAsync(FunctionHost api, string method, string path, string? body, string? correlationId = null, string? pathClaimId = null)
    {
        var headers = new JsonObject { ["Content-Type"] = "application/json" };
        if (correlationId is not null)
        {
            headers["X-Correlation-Id"] = correlationId;
        }

        var request = new JsonObject
        {
            ["resource"] = pathClaimId is null ? "/settlements" : "/settlements/{claimId}",
            ["path"] = path,
            ["httpMethod"] = method,
            ["headers"] = headers,
            ["pathParameters"] = pathClaimId is null ? null : new JsonObject { ["claimId"] = pathClaimId },
            ["requestContext"] = new JsonObject { ["requestId"] = Guid.NewGuid().ToString("D"), ["stage"] = "prod" },
            ["body"] = body,
            ["isBase64Encoded"] = false,
        };
        return JsonNode.Parse(await api.InvokeAsync(request.ToJsonString()))!.AsObject();
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table) =>
        (await emulators.DynamoDb.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true })).Items;
}
