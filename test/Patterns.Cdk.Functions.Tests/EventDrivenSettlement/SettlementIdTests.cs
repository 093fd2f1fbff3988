using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class SettlementIdTests
{
    [Fact]
    public void Version5_matches_the_RFC_test_vector()
    {
        // DNS namespace + "www.example.com" (RFC 4122 errata / RFC 9562 examples; Python's uuid.uuid5 agrees).
        NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, "www.example.com").ToString()
            .Should().Be("2ed6657d-e927-568b-95e1-2665a8aea6a2");
    }

    [Fact]
    public void Version5_matches_a_second_known_value()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
        NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, "python.org").ToString()
            .Should().Be("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    }

    [Theory]
    [InlineData("CLM-1")]
    [InlineData("a")]
    [InlineData("claim_with_a_rather_long_identifier_that_is_exactly_sixty-four_")]
    public void A_settlement_id_is_deterministic_version_5_and_RFC_variant(string claimId)
    {
        string id = SettlementIds.For(claimId);

        id.Should().Be(SettlementIds.For(claimId), "every copy of a claim's outcome carries the same id");
        id.Should().MatchRegex("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", "the output contract's settlementId pattern");
        Guid.Parse(id).Version.Should().Be(5);
    }

    [Fact]
    public void Different_claims_get_different_ids_and_the_namespace_matters()
    {
        SettlementIds.For("CLM-1").Should().NotBe(SettlementIds.For("CLM-2"));
        SettlementIds.For("CLM-1").Should().NotBe(NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, "CLM-1").ToString());
    }

    [Fact]
    public void The_namespace_is_fixed()
    {
        SettlementIds.Namespace.Should().Be(new Guid("6f1c1b52-3a8e-4f43-9d3e-5b1f0c2e7a10"), "changing it would change every settlement id");
        SettlementIds.For("CLM-1").Should().Be("ab50d903-3f54-51de-82a0-8ca8b03053eb", "pinned (Python: uuid.uuid5(ns, \"CLM-1\")): a changed algorithm would break deduplication across versions");
    }

    [Fact]
    public void Long_and_non_ASCII_names_hash_their_UTF8_bytes()
    {
        string longName = new('x', 1000);

        NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, longName).Should().Be(NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, longName));
        NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, "café").Should().NotBe(NameBasedUuid.Version5(NameBasedUuid.DnsNamespace, "cafe"));
    }
}
