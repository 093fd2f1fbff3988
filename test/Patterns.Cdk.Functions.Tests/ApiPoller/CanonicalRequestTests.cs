using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class CanonicalRequestTests
{
    [Fact]
    public void Is_compact_json_with_sorted_keys_and_its_sha256()
    {
        CanonicalRequest request = CanonicalRequest.For("orders", Parameters("""{"since": "2024-01-01", "mode": "full"}"""));

        request.Json.Should().Be("""{"parameters":{"mode":"full","since":"2024-01-01"},"source":"orders"}""");
        request.Hash.Should().Be(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.Json))));
        request.Hash.Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Fact]
    public void Order_and_whitespace_of_the_request_do_not_change_the_hash()
    {
        CanonicalRequest a = CanonicalRequest.For("orders", Parameters("""{"since":"2024-01-01","mode":"full"}"""));
        CanonicalRequest b = CanonicalRequest.For("orders", Parameters("""{ "mode" : "full",   "since": "2024-01-01" }"""));

        b.Hash.Should().Be(a.Hash);
    }

    [Theory]
    [InlineData("""{"since": "2024-01-02", "mode": "full"}""")]
    [InlineData("""{"since": "2024-01-01"}""")]
    [InlineData("""{"since": "2024-01-01", "mode": "delta"}""")]
    public void A_different_value_or_parameter_changes_the_hash(string other)
    {
        string reference = CanonicalRequest.For("orders", Parameters("""{"since": "2024-01-01", "mode": "full"}""")).Hash;

        CanonicalRequest.For("orders", Parameters(other)).Hash.Should().NotBe(reference);
    }

    [Fact]
    public void The_source_is_part_of_the_request()
    {
        CanonicalRequest.For("a", JobParameters.Empty).Hash.Should().NotBe(CanonicalRequest.For("b", JobParameters.Empty).Hash);
        CanonicalRequest.For("a", JobParameters.Empty).Json.Should().Be("""{"parameters":{},"source":"a"}""");
    }

    private static JobParameters Parameters(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JobParameters.Validate(SourceSamples.Orders, document.RootElement.Clone()).Parameters!;
    }
}
