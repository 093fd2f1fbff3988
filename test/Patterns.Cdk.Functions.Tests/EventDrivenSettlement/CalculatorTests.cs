using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class CalculatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    [Theory]
    // estimatedCost, deductible -> payout, out of pocket
    [InlineData("1234.50", "250", "984.50", "250.00")]
    [InlineData("250", "250", "0.00", "250.00")]
    [InlineData("249.99", "250", "0.00", "249.99")]
    [InlineData("0", "250", "0.00", "0.00")]
    [InlineData("10000000", "1000", "9999000.00", "1000.00")]
    [InlineData("500.01", "500", "0.01", "500.00")]
    [InlineData("100", "0", "100.00", "0.00")]
    [InlineData("0.005", "0", "0.01", "0.00")] // half a cent rounds away from zero
    [InlineData("0.004", "0", "0.00", "0.00")]
    [InlineData("2.675", "1", "1.68", "1.00")] // decimal, not binary floating point: 2.675 -> 2.68
    [InlineData("1000.125", "1000", "0.13", "1000.00")]
    public void Payout_and_out_of_pocket_split_the_rounded_cost(string cost, string deductible, string payout, string outOfPocket)
    {
        (decimal p, decimal o) = SettlementCalculator.Split(decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(deductible, System.Globalization.CultureInfo.InvariantCulture));

        Money.Format(p).Should().Be(payout);
        Money.Format(o).Should().Be(outOfPocket);
        (p + o).Should().Be(Money.ToCents(decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture)), "payout and out of pocket add up to the rounded cost");
    }

    [Theory]
    [InlineData("MINOR", "1234.5", "984.50", "250.00")]
    [InlineData("MODERATE", "1234.5", "734.50", "500.00")]
    [InlineData("SEVERE", "1234.5", "234.50", "1000.00")]
    [InlineData("TOTAL_LOSS", "1234.5", "734.50", "500.00")]
    [InlineData("SEVERE", "999.99", "0.00", "999.99")]
    public void The_default_rules_apply_the_CAR_deductibles(string level, string cost, string payout, string outOfPocket)
    {
        SettlementRecord settlement = Calculate(SettlementSamples.Detail(level: level, cost: cost));

        settlement.PayoutAmount.Should().Be(payout);
        settlement.OutOfPocketAmount.Should().Be(outOfPocket);
        settlement.Currency.Should().Be("USD");
    }

    [Fact]
    public void The_settlement_carries_every_field_of_the_design()
    {
        SettlementRecord settlement = Calculate(SettlementSamples.Detail(cost: "1234.5"), correlationId: "evt-1");

        settlement.Should().BeEquivalentTo(new SettlementRecord
        {
            SchemaVersion = 1,
            SettlementId = SettlementIds.For("CLM-1"),
            ClaimId = "CLM-1",
            CustomerId = "CUST-1",
            DocumentType = "CAR",
            DamageLevel = "MINOR",
            EstimatedCost = "1234.50",
            PayoutAmount = "984.50",
            OutOfPocketAmount = "250.00",
            Currency = "USD",
            CorrelationId = "evt-1",
            ContentHash = "1951a3ed3627a8db833e3b656030accbbee2995d377583b7e60bb0b1489e29ac",
            FinalizedAt = "2025-03-14T15:09:26.535Z",
        });
    }

    [Theory]
    [InlineData("-0", "0.00")]
    [InlineData("0.0", "0.00")]
    [InlineData("1e3", "1000.00")]
    [InlineData("1E-30", "0.00")]
    [InlineData("123456.789", "123456.79")]
    public void The_estimated_cost_is_normalised_to_cents(string cost, string expected)
    {
        Calculate(SettlementSamples.Detail(cost: cost)).EstimatedCost.Should().Be(expected);
    }

    [Theory]
    [InlineData("HOME", "MINOR")]
    [InlineData("TRAVEL", "SEVERE")]
    public void A_claim_without_a_rule_is_not_settled(string documentType, string level)
    {
        var calculator = new SettlementCalculator(SettlementSamples.Rules);
        Claim claim = Claim.ReadValidated(SettlementSamples.Utf8(SettlementSamples.Detail(documentType: documentType, level: level)));

        calculator.TryCalculate(claim, "evt", Now, out SettlementRecord? settlement).Should().BeFalse();
        settlement.Should().BeNull();
    }

    [Fact]
    public void Custom_rules_set_the_currency_and_deductibles()
    {
        var rules = SettlementRules.Parse("""{"currency":"EUR","deductibles":[{"documentType":"HOME","damageLevel":"MINOR","amount":"99.95"}]}""");
        var calculator = new SettlementCalculator(rules);
        Claim claim = Claim.ReadValidated(SettlementSamples.Utf8(SettlementSamples.Detail(documentType: "HOME", cost: "100")));

        calculator.TryCalculate(claim, "evt", Now, out SettlementRecord? settlement).Should().BeTrue();
        settlement!.Currency.Should().Be("EUR");
        settlement.PayoutAmount.Should().Be("0.05");
        settlement.OutOfPocketAmount.Should().Be("99.95");
    }

    [Fact]
    public void Finalized_at_is_UTC_with_milliseconds()
    {
        SettlementCalculator.FormatTime(new DateTimeOffset(2025, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(2))).Should().Be("2025-01-02T01:04:05.006Z");
    }

    private static SettlementRecord Calculate(string detail, string correlationId = "evt")
    {
        byte[] utf8 = SettlementSamples.Utf8(detail);
        SettlementContracts.FraudNotDetected.Validate(utf8).Should().BeEmpty();
        new SettlementCalculator(SettlementSamples.Rules).TryCalculate(Claim.ReadValidated(utf8), correlationId, Now, out SettlementRecord? settlement).Should().BeTrue();
        return settlement!;
    }
}
