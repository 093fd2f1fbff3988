using System.Security.Cryptography;
using System.Text;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class ClaimContentTests
{
    private static string Hash(string detail) => ClaimContent.Hash(Claim.ReadValidated(Encoding.UTF8.GetBytes(detail)));

    [Fact]
    public void The_hash_is_SHA256_of_the_documented_canonical_text()
    {
        string expected = Convert.ToHexStringLower(SHA256.HashData("CUST-1\nCLM-1\nCAR\nCLAIMS\nMINOR\nbumper\n1234.50"u8));

        Hash(SettlementSamples.Detail()).Should().Be(expected);
    }

    [Fact]
    public void An_absent_part_is_the_empty_line()
    {
        string expected = Convert.ToHexStringLower(SHA256.HashData("CUST-1\nCLM-1\nCAR\nCLAIMS\nMINOR\n\n1234.50"u8));

        Hash(SettlementSamples.Detail(part: null)).Should().Be(expected);
    }

    [Fact]
    public void Member_order_spelling_of_the_cost_and_extra_members_do_not_change_it()
    {
        string reference = Hash(SettlementSamples.Detail(cost: "1234.5"));

        Hash(SettlementSamples.Detail(cost: "1234.50")).Should().Be(reference);
        Hash(SettlementSamples.Detail(cost: "1.2345e3")).Should().Be(reference);
        Hash(SettlementSamples.Detail(extra: ""","eventTime":"2025-01-01T00:00:00Z","note":{"a":1}""")).Should().Be(reference);
        Hash("""{"damage":{"estimatedCost":1234.5,"part":"bumper","level":"MINOR"},"fraudType":"CLAIMS","documentType":"CAR","claimId":"CLM-1","customerId":"CUST-1"}""").Should().Be(reference);
    }

    [Theory]
    [InlineData("customerId")]
    [InlineData("documentType")]
    [InlineData("fraudType")]
    [InlineData("level")]
    [InlineData("part")]
    [InlineData("part-absent")]
    [InlineData("cost")]
    public void Any_business_field_changes_it(string field)
    {
        string reference = Hash(SettlementSamples.Detail());
        string changed = field switch
        {
            "customerId" => SettlementSamples.Detail(customerId: "CUST-2"),
            "documentType" => SettlementSamples.Detail(documentType: "HOME"),
            "fraudType" => SettlementSamples.Detail(fraudType: "DOCUMENT"),
            "level" => SettlementSamples.Detail(level: "SEVERE"),
            "part" => SettlementSamples.Detail(part: "door"),
            "part-absent" => SettlementSamples.Detail(part: null),
            _ => SettlementSamples.Detail(cost: "1234.51"),
        };

        Hash(changed).Should().NotBe(reference);
    }

    [Fact]
    public void A_line_feed_in_the_part_cannot_forge_another_claim()
    {
        // Only the part may hold a line feed and every other field is fixed in number, so the text stays unambiguous.
        Hash(SettlementSamples.Detail(part: "door\nMINOR")).Should().NotBe(Hash(SettlementSamples.Detail(part: "door")));
    }
}
