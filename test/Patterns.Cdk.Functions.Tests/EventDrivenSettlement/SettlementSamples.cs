using System.Text.Encodings.Web;
using System.Text.Json;
using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>Fraud.Not.Detected details and their EventBridge envelopes, as JSON text.</summary>
internal static class SettlementSamples
{
    public const string Table = "settlements";
    public const string EventId = "b4a3b3a1-9f2c-4a6e-8a4b-1f6f3e2a9c01";

    public static SettlementRules Rules { get; } = SettlementRules.Parse(SettlementRules.DefaultJson);

    public static SettlementSettings Settings(string? deadLetterQueueUrl = Support.Samples.DeadLetterQueueUrl) =>
        new(Table, Rules, deadLetterQueueUrl);

    /// <summary>A detail; <paramref name="part"/> null leaves damage.part out; <paramref name="extra"/> is appended to the top-level object.</summary>
    public static string Detail(
        string claimId = "CLM-1",
        string customerId = "CUST-1",
        string documentType = "CAR",
        string fraudType = "CLAIMS",
        string level = "MINOR",
        string? part = "bumper",
        string cost = "1234.5",
        string extra = "") =>
        $$$"""{"customerId":{{{Str(customerId)}}},"claimId":{{{Str(claimId)}}},"documentType":{{{Str(documentType)}}},"fraudType":{{{Str(fraudType)}}},"damage":{"level":{{{Str(level)}}},{{{(part is null ? "" : $"\"part\":{Str(part)},")}}}"estimatedCost":{{{cost}}}}{{{extra}}}}""";

    /// <summary>The EventBridge event the rule sends to the queue, with <paramref name="detail"/> as its detail.</summary>
    public static string Event(string detail, string id = EventId, string source = "fraud.service", string detailType = "Fraud.Not.Detected") =>
        $$"""
        {
          "version": "0",
          "id": "{{id}}",
          "detail-type": "{{detailType}}",
          "source": "{{source}}",
          "account": "123456789012",
          "time": "2025-03-14T15:09:20Z",
          "region": "us-east-1",
          "resources": [],
          "detail": {{detail}}
        }
        """;

    public static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static string Str(string value) => JsonSerializer.Serialize(value, SettlementTestJson.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class SettlementTestJson : System.Text.Json.Serialization.JsonSerializerContext;
