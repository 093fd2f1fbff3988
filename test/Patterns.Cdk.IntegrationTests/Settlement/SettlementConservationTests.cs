using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;
using Patterns.Cdk.EventDrivenSettlement;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Settlement;

/// <summary>
/// Conservation run of EventDrivenSettlement under faults (Harness/FaultInjection.cs between the bundled handlers'
/// clients and the emulators): claims put on the bus several times (EventBridge redelivering the same event, the
/// producer republishing it), a share of contract-breaking claims and of claims republished with different content
/// (conflicts), in shuffled order. At the end every delivery is accounted for: its content is the claim's one stored
/// settlement (settled, or a no-op duplicate), or it is in the dead-letter queue with its <c>patterns-cdk-reason</c>
/// (bad input at once; a claim failing on its last receive with "retries exhausted"). Only when that forward itself
/// failed does the redrive policy move it without a reason: at most as many as the handler's failed forwards. Every settled claim has exactly one
/// row and exactly one <c>Settlement.Finalized</c>; no row or event exists for anything else.
/// Switches: <see cref="ConservationSettings"/> (PATTERNS_CONSERVATION=long, _SEED, _FAULT_RATE).
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class SettlementConservationTests(EmulatorFixture emulators, ITestOutputHelper output) : IDisposable
{
    /// <summary>The faults spent the SDK's per-endpoint retry quotas; the next test gets them back.</summary>
    public void Dispose() => SdkRetryTuning.RestoreRetryQuotas();

    private static readonly Lazy<JsonObject> Template = new(() => SettlementDeployment.Synthesize(new EventDrivenSettlementProps()));

    private enum Kind
    {
        Good,
        ContractBreaking,
        Conflicting,
    }

    /// <summary>One event put on the bus (the same event may be put more than once).</summary>
    private sealed record Delivery(string EventId, string ClaimId, Kind Kind, JsonObject Detail);

    [Fact]
    public async Task Every_claim_delivered_under_faults_is_settled_once_with_one_event_or_parked_with_its_reason()
    {
        ConservationSettings settings = ConservationSettings.FromEnvironment();
        var report = new ConservationReport("EventDrivenSettlement", settings);
        int claims = settings.Inputs(300, 3000);
        var random = new Random(settings.Seed);
        var faults = new FaultInjector(settings.Seed, new FaultPlan
        {
            Rate = settings.FaultRate,
            // A stretch where DynamoDB fails every call (longer than the SDK's 11 attempts), and one where SQS does (the parking sends).
            Outages = [new FaultOutage("DynamoDB", 40, 30), new FaultOutage("SQS", 3, 8)],
        });
        report.Faults = faults;

        // The inputs: per claim one event, sometimes delivered again, sometimes republished under a new id.
        var deliveries = new List<Delivery>();
        var kinds = new Dictionary<string, Kind>(StringComparer.Ordinal);
        for (int i = 0; i < claims; i++)
        {
            string claimId = $"claim-{settings.Seed}-{i:00000}";
            double draw = random.NextDouble();
            Kind kind = draw < 0.08 ? Kind.ContractBreaking : draw < 0.15 ? Kind.Conflicting : Kind.Good;
            kinds[claimId] = kind;
            JsonObject detail = SettlementFlowTests.Detail(claimId, $"customer-{i % 17}", Levels[i % Levels.Length], 100m + (random.Next(1, 100000) / 4m));
            if (kind == Kind.ContractBreaking)
            {
                detail.Remove("customerId");
                detail["damage"]!["estimatedCost"] = "a lot";
            }

            var first = new Delivery($"evt-{claimId}", claimId, kind, detail);
            deliveries.Add(first);
            if (random.NextDouble() < 0.3)
            {
                deliveries.Add(first); // EventBridge delivering the same event again
            }

            if (random.NextDouble() < 0.15)
            {
                deliveries.Add(first with { EventId = $"evt-{claimId}-republished", Detail = detail.DeepClone().AsObject() });
            }

            if (kind == Kind.Conflicting)
            {
                JsonObject changed = detail.DeepClone().AsObject();
                changed["damage"]!["estimatedCost"] = changed["damage"]!["estimatedCost"]!.GetValue<decimal>() + 1;
                deliveries.Add(new Delivery($"evt-{claimId}-changed", claimId, kind, changed));
            }
        }

        report.Inputs = deliveries.Count;
        report.Duplicates = deliveries.Count - deliveries.Select(d => (d.ClaimId, d.Detail.ToJsonString())).Distinct().Count();
        report.Row("claims", claims);
        report.Row("claims with a conflicting second version", kinds.Values.Count(k => k == Kind.Conflicting));
        report.Row("claims breaking the input contract", kinds.Values.Count(k => k == Kind.ContractBreaking));

        var log = new ForwardFailureLog();
        using SettlementDeployment deployment = await SettlementDeployment.CreateAsync(emulators, Template.Value, log, faults);
        deployment.MaxReceiveCount.Should().BeGreaterThan(1);

        // Put them on the bus in shuffled order, a chunk at a time, letting the consumer drain the queue between chunks:
        // duplicates meet their original both in flight and long settled.
        List<Delivery> shuffled = deliveries.OrderBy(_ => random.Next()).ToList();
        foreach (Delivery[] chunk in shuffled.Chunk(60))
        {
            foreach (Delivery delivery in chunk)
            {
                (await deployment.PutEventAsync(Event(delivery))).Should().BeTrue();
            }

            await deployment.DriveAsync(maxInvocations: 10 * chunk.Length, timeout: TimeSpan.FromMinutes(5));
        }

        faults.Enabled = false;
        await Account(deployment, deliveries, kinds, report, log, faults);
        report.Write();
        output.WriteLine(report.SummaryLine());
        report.Problems.Should().BeEmpty(report.Failure());
        faults.InjectedAtLeastThePlannedRate(out string rate).Should().BeTrue($"the run must inject its fault rate: {rate}; replay with {settings.Replay}");
    }

    private async Task Account(SettlementDeployment deployment, List<Delivery> deliveries, Dictionary<string, Kind> kinds, ConservationReport report, ForwardFailureLog log, FaultInjector faults)
    {
        Dictionary<string, Dictionary<string, AttributeValue>> rows = (await ScanAllAsync(deployment.TableName)).ToDictionary(r => r["claimId"].S, StringComparer.Ordinal);
        List<Message> dead = await emulators.DrainAsync(deployment.DeadLetterQueueUrl);
        (await emulators.DrainAsync(deployment.WorkQueueUrl))
            .Should().BeEmpty("the work queue is drained at the end");
        var contentOf = deliveries.GroupBy(d => d.EventId).ToDictionary(g => g.Key, g => g.First().Detail.ToJsonString(), StringComparer.Ordinal);
        var deadByEvent = dead.GroupBy(m => (string?)JsonNode.Parse(m.Body)?["id"] ?? "?").ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var publishedByClaim = deployment.Published.GroupBy(e => (string)e.Detail["claimId"]!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        int processed = 0, parked = 0, exhausted = 0, extraDeadCopies = 0, bad = 0, settledAndDeadLettered = 0;
        int withoutReason = dead.Count(m => !HasReason(m));
        foreach (IGrouping<string, Delivery> sameEvent in deliveries.GroupBy(d => d.EventId))
        {
            Delivery delivery = sameEvent.First();
            int times = sameEvent.Count();
            List<Message> inDeadLetters = deadByEvent.GetValueOrDefault(delivery.EventId) ?? [];
            bool stored = rows.TryGetValue(delivery.ClaimId, out var row) && contentOf.GetValueOrDefault(row["correlationId"].S) == delivery.Detail.ToJsonString();
            if (stored)
            {
                processed += times;
                if (inDeadLetters.FirstOrDefault(m => HasReason(m) && !IsRetriesExhausted(m)) is { } parkedCopy)
                {
                    report.Problem($"{delivery.EventId} ({delivery.Kind}) is the stored settlement of {delivery.ClaimId} but was also parked: {Reason(parkedCopy)}");
                }

                settledAndDeadLettered += inDeadLetters.Count; // another copy of the same content settled the claim
                continue;
            }

            if (delivery.Kind == Kind.Good)
            {
                // Not settled: acceptable only in the DLQ after maxReceiveCount transient failures, for every copy: with the
                // reason "retries exhausted", or without one when the forward failed (checked against the failed forwards).
                if (rows.ContainsKey(delivery.ClaimId))
                {
                    report.Problem($"{delivery.EventId}: good claim {delivery.ClaimId} is stored from other content");
                }
                else if (inDeadLetters.Count < times)
                {
                    report.Lost += times - inDeadLetters.Count;
                    report.Problem($"{delivery.EventId}: good claim {delivery.ClaimId} LOST (no row; {inDeadLetters.Count} of {times} deliveries in the DLQ)");
                }
                else if (inDeadLetters.FirstOrDefault(m => HasReason(m) && !IsRetriesExhausted(m)) is { } parkedCopy)
                {
                    report.Problem($"{delivery.EventId}: good claim {delivery.ClaimId} parked as bad input: {Reason(parkedCopy)}");
                }
                else
                {
                    exhausted += times;
                    extraDeadCopies += inDeadLetters.Count - times;
                }

                continue;
            }

            // Bad input: a contract breach, or the version of a conflicting claim that was not stored first.
            bad += times;
            string expected = delivery.Kind == Kind.ContractBreaking ? "contract" : "conflict";
            foreach (Message message in inDeadLetters)
            {
                if (!(message.MessageAttributes ?? []).TryGetValue(DeadLetterForwarder.ReasonAttribute, out MessageAttributeValue? reason))
                {
                    continue; // the forward failed and the redrive policy moved it (counted against the failed forwards)
                }
                else if (!reason.StringValue.Contains(expected, StringComparison.Ordinal))
                {
                    report.Problem($"{delivery.EventId} ({delivery.Kind}) parked with the wrong reason: {reason.StringValue}");
                }
            }

            int accounted = Math.Min(times, inDeadLetters.Count);
            parked += Math.Min(times, inDeadLetters.Count(HasReason));
            extraDeadCopies += Math.Max(0, inDeadLetters.Count - times);
            if (accounted < times)
            {
                report.Lost += times - accounted;
                report.Problem($"{delivery.EventId} ({delivery.Kind}, delivered {times}x) LOST: {inDeadLetters.Count} in the DLQ, not stored");
            }
        }

        // Outputs: one row and one event per settled claim; none for contract breaches; nothing for unknown claims.
        foreach ((string claimId, Dictionary<string, AttributeValue> row) in rows)
        {
            if (!kinds.TryGetValue(claimId, out Kind kind) || kind == Kind.ContractBreaking)
            {
                report.Extra++;
                report.Problem($"EXTRA row for {claimId} ({(kinds.ContainsKey(claimId) ? kind.ToString() : "unknown claim")})");
            }

            int events = publishedByClaim.GetValueOrDefault(claimId);
            if (events != 1)
            {
                report.Problem($"{claimId}: {events} Settlement.Finalized events for one row");
                report.Extra += Math.Max(0, events - 1);
                report.Lost += events == 0 ? 1 : 0;
            }
        }

        foreach ((string claimId, int events) in publishedByClaim.Where(p => !rows.ContainsKey(p.Key)))
        {
            report.Extra += events;
            report.Problem($"EXTRA: {events} Settlement.Finalized for {claimId}, which has no row");
        }

        foreach (string claimId in kinds.Where(k => k.Value != Kind.ContractBreaking && !rows.ContainsKey(k.Key)).Select(k => k.Key))
        {
            if (!deliveries.Any(d => d.ClaimId == claimId && deadByEvent.ContainsKey(d.EventId)))
            {
                report.Problem($"claim {claimId} has no settlement and none of its deliveries is in the DLQ");
            }
        }

        foreach (string unknown in deadByEvent.Keys.Where(id => !contentOf.ContainsKey(id)))
        {
            report.Extra++;
            report.Problem($"EXTRA dead letter for an event that was never put: {unknown}");
        }

        report.OutcomeUnit = "deliveries";
        report.BadInputs = bad;
        report.Processed = processed;
        report.Parked = parked;
        report.DeadLettered = exhausted;
        log.Check(report, withoutReason, faults);
        report.Row("claims settled (rows)", rows.Count);
        report.Row("Settlement.Finalized events", deployment.Published.Count);
        report.Row("dead letters (messages)", dead.Count);
        report.Row("of which extra copies of a delivery already in the DLQ (SQS at-least-once send)", extraDeadCopies);
        report.Row("of which copies whose content another copy settled", settledAndDeadLettered);
        report.Row("consumer invocations", deployment.Lambda.Invocations.Count);
        report.Row("consumer invocations that failed", deployment.Lambda.Invocations.Count(i => i.Failed));
        report.Row("calls by the consumer", deployment.Counter.Records.Count);
    }

    private static readonly string[] Levels = ["MINOR", "MODERATE", "SEVERE", "TOTAL_LOSS"];

    private static bool HasReason(Message message) => (message.MessageAttributes ?? []).ContainsKey(DeadLetterForwarder.ReasonAttribute);

    private static bool IsRetriesExhausted(Message message) =>
        (message.MessageAttributes ?? []).TryGetValue(DeadLetterForwarder.ReasonAttribute, out MessageAttributeValue? reason)
        && reason.StringValue.StartsWith("retries exhausted after ", StringComparison.Ordinal);

    private static string Reason(Message message) =>
        (message.MessageAttributes ?? []).TryGetValue(DeadLetterForwarder.ReasonAttribute, out MessageAttributeValue? reason) ? reason.StringValue : "(no reason: moved by the redrive policy)";

    private async Task<List<Dictionary<string, AttributeValue>>> ScanAllAsync(string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            ScanResponse page = await emulators.DynamoDb.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true, ExclusiveStartKey = start });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    private static JsonObject Event(Delivery delivery) => new()
    {
        ["version"] = "0",
        ["id"] = delivery.EventId,
        ["detail-type"] = "Fraud.Not.Detected",
        ["source"] = "fraud.service",
        ["account"] = ProvisionedResources.Account,
        ["time"] = "2026-12-06T02:00:00Z",
        ["region"] = EmulatorFixture.Region,
        ["resources"] = new JsonArray(),
        ["detail"] = delivery.Detail.DeepClone(),
    };
}
