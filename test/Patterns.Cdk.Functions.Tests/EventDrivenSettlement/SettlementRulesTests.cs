using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class SettlementRulesTests
{
    [Fact]
    public void The_default_rules_are_the_designs()
    {
        SettlementRules rules = SettlementRules.Parse(SettlementRules.DefaultJson);

        rules.Currency.Should().Be("USD");
        rules.Deductibles.Should().BeEquivalentTo(new Dictionary<(string, string), decimal>
        {
            [("CAR", "MINOR")] = 250m,
            [("CAR", "MODERATE")] = 500m,
            [("CAR", "SEVERE")] = 1000m,
            [("CAR", "TOTAL_LOSS")] = 500m,
        });
    }

    [Fact]
    public void Amounts_may_be_strings_or_numbers()
    {
        SettlementRules rules = SettlementRules.Parse("""{"currency":"GBP","deductibles":[{"documentType":"HOME","damageLevel":"MINOR","amount":"75.5"},{"documentType":"TRAVEL","damageLevel":"MINOR","amount":0}]}""");

        rules.TryGetDeductible("HOME", "MINOR", out decimal home).Should().BeTrue();
        home.Should().Be(75.50m);
        rules.TryGetDeductible("TRAVEL", "MINOR", out decimal travel).Should().BeTrue();
        travel.Should().Be(0m);
        rules.TryGetDeductible("CAR", "MINOR", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("not json", "SETTLEMENT_RULES is not valid JSON")]
    [InlineData("[]", "SETTLEMENT_RULES must be a JSON object (got an array)")]
    [InlineData("""{"deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1"}]}""", "SETTLEMENT_RULES.currency is required")]
    [InlineData("""{"currency":"usd","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1"}]}""", "SETTLEMENT_RULES.currency must be a three-letter upper-case ISO 4217 code such as \"USD\" (got \"usd\")")]
    [InlineData("""{"currency":"USD"}""", "SETTLEMENT_RULES.deductibles is required")]
    [InlineData("""{"currency":"USD","deductibles":[]}""", "SETTLEMENT_RULES.deductibles must be a non-empty list")]
    [InlineData("""{"currency":"USD","deductibles":[1]}""", "SETTLEMENT_RULES.deductibles[0] must be an object")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"BOAT","damageLevel":"MINOR","amount":"1"}]}""", "SETTLEMENT_RULES.deductibles[0].documentType must be one of CAR, HOME, TRAVEL (got \"BOAT\")")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"minor","amount":"1"}]}""", "SETTLEMENT_RULES.deductibles[0].damageLevel must be one of MINOR, MODERATE, SEVERE, TOTAL_LOSS (got \"minor\")")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"-1"}]}""", "SETTLEMENT_RULES.deductibles[0].amount must be an amount of at least 0 with at most two decimals")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1.005"}]}""", "SETTLEMENT_RULES.deductibles[0].amount must be an amount of at least 0 with at most two decimals")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR"}]}""", "SETTLEMENT_RULES.deductibles[0].amount is required")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1","deductable":"2"}]}""", "SETTLEMENT_RULES.deductibles[0] has an unknown member 'deductable'")]
    [InlineData("""{"currency":"USD","rules":[],"deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1"}]}""", "SETTLEMENT_RULES has an unknown member 'rules'")]
    [InlineData("""{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"1"},{"documentType":"CAR","damageLevel":"MINOR","amount":"2"}]}""", "SETTLEMENT_RULES.deductibles[1] repeats the rule for documentType CAR and damageLevel MINOR")]
    public void Each_problem_is_named_with_what_to_do(string json, string expected)
    {
        Action parse = () => SettlementRules.Parse(json);

        parse.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var problems = new List<string>();

        SettlementRules.TryParse("""{"currency":"dollars","deductibles":[{"documentType":"BOAT","damageLevel":"MINOR","amount":"x"},{"documentType":"CAR"}]}""", problems).Should().BeNull();

        problems.Should().HaveCount(5).And.Satisfy(
            p => p.StartsWith("SETTLEMENT_RULES.currency", StringComparison.Ordinal),
            p => p.StartsWith("SETTLEMENT_RULES.deductibles[0].documentType", StringComparison.Ordinal),
            p => p.StartsWith("SETTLEMENT_RULES.deductibles[0].amount", StringComparison.Ordinal),
            p => p == "SETTLEMENT_RULES.deductibles[1].damageLevel is required",
            p => p == "SETTLEMENT_RULES.deductibles[1].amount is required");
    }

    [Fact]
    public void Settings_list_every_missing_or_invalid_variable()
    {
        var environment = new Dictionary<string, string?> { ["SETTLEMENT_RULES"] = """{"currency":"USD","deductibles":[]}""" };

        Action read = () => SettlementSettings.FromEnvironment(Env.From(environment), "SettlementConsumer");

        read.Should().Throw<InvalidOperationException>().WithMessage(
            "SettlementConsumer is misconfigured: SETTLEMENT_TABLE is required but not set; SETTLEMENT_RULES.deductibles must be a non-empty list*");
    }

    [Fact]
    public void Settings_read_the_table_the_rules_and_the_optional_dead_letter_queue()
    {
        var environment = new Dictionary<string, string?> { ["SETTLEMENT_TABLE"] = "t", ["SETTLEMENT_RULES"] = SettlementRules.DefaultJson };

        SettlementSettings settings = SettlementSettings.FromEnvironment(Env.From(environment), "SettlementApi");

        settings.TableName.Should().Be("t");
        settings.Rules.Currency.Should().Be("USD");
        settings.DeadLetterQueueUrl.Should().BeNull();
        settings.MaxReceiveCount.Should().BeNull();
        environment["DEAD_LETTER_QUEUE_URL"] = Samples.DeadLetterQueueUrl;
        environment["MAX_RECEIVE_COUNT"] = "5";
        SettlementSettings consumer = SettlementSettings.FromEnvironment(Env.From(environment), "SettlementConsumer");
        consumer.DeadLetterQueueUrl.Should().Be(Samples.DeadLetterQueueUrl);
        consumer.MaxReceiveCount.Should().Be(5);
    }

    [Fact]
    public void Settings_reject_a_max_receive_count_that_is_not_a_positive_number()
    {
        var environment = new Dictionary<string, string?> { ["SETTLEMENT_TABLE"] = "t", ["SETTLEMENT_RULES"] = SettlementRules.DefaultJson, ["MAX_RECEIVE_COUNT"] = "0" };

        Action read = () => SettlementSettings.FromEnvironment(Env.From(environment), "SettlementConsumer");

        read.Should().Throw<InvalidOperationException>().WithMessage("SettlementConsumer is misconfigured: MAX_RECEIVE_COUNT must be a whole number greater than zero (got '0').");
    }
}
