using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>
/// The settings of both handlers, from environment variables (a user's container reads the same ones).
/// </summary>
/// <param name="TableName"><c>SETTLEMENT_TABLE</c>: the settlements table.</param>
/// <param name="Rules"><c>SETTLEMENT_RULES</c>: currency and deductibles (<see cref="SettlementRules"/>).</param>
/// <param name="DeadLetterQueueUrl"><c>DEAD_LETTER_QUEUE_URL</c> (consumer, optional): where a claim that can never be
/// settled (contract violation, no rule, conflict) is parked at once with the reason; without it such a message is
/// reported as failed and reaches the queue's dead-letter queue through its redrive policy.</param>
public sealed record SettlementSettings(string TableName, SettlementRules Rules, string? DeadLetterQueueUrl)
{
    public const string MaxReceiveCountVariable = "MAX_RECEIVE_COUNT";
    public const string TableVariable = "SETTLEMENT_TABLE";
    public const string RulesVariable = "SETTLEMENT_RULES";
    public const string DeadLetterQueueVariable = "DEAD_LETTER_QUEUE_URL";

    /// <summary><c>MAX_RECEIVE_COUNT</c> (consumer, optional): the queue's redrive <c>maxReceiveCount</c>; a claim that still
    /// fails on that receive is parked in <c>DEAD_LETTER_QUEUE_URL</c> with the reason (see <see cref="SqsBatchProcessor"/>).</summary>
    public int? MaxReceiveCount { get; init; }

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static SettlementSettings FromEnvironment(Func<string, string?> environment, string component)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        string table = reader.Required(TableVariable);
        string rulesJson = reader.Required(RulesVariable);
        SettlementRules? rules = null;
        if (rulesJson.Length > 0)
        {
            var problems = new List<string>();
            rules = SettlementRules.TryParse(rulesJson, problems);
            problems.ForEach(reader.AddProblem);
        }

        string? deadLetterQueueUrl = reader.Optional(DeadLetterQueueVariable) is { Length: > 0 } url ? url : null;
        int? maxReceiveCount = reader.OptionalPositiveInt32(MaxReceiveCountVariable);
        reader.ThrowIfInvalid(component);
        return new SettlementSettings(table, rules!, deadLetterQueueUrl) { MaxReceiveCount = maxReceiveCount };
    }
}
