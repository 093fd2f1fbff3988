using Patterns.Cdk.Functions.ApiPoller.Progress;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class JobIdsTests
{
    private const string Caller = "arn:aws:iam::123456789012:user/alice";

    [Fact]
    public void New_ids_are_32_lowercase_hex_and_unique()
    {
        string a = JobIds.New();
        a.Should().MatchRegex("^[0-9a-f]{32}$");
        JobIds.New().Should().NotBe(a);
    }

    [Fact]
    public void An_idempotency_key_names_one_job_per_caller()
    {
        string id = JobIds.FromIdempotencyKey(Caller, "order-sync-1");

        id.Should().MatchRegex("^[0-9a-f]{32}$");
        JobIds.FromIdempotencyKey(Caller, "order-sync-1").Should().Be(id);
        JobIds.FromIdempotencyKey(Caller, "order-sync-2").Should().NotBe(id);
        JobIds.FromIdempotencyKey("arn:aws:iam::123456789012:user/bob", "order-sync-1").Should().NotBe(id);
        // The separator keeps (caller, key) pairs apart: "a" + "bc" is not "ab" + "c".
        JobIds.FromIdempotencyKey("a", "bc").Should().NotBe(JobIds.FromIdempotencyKey("ab", "c"));
    }

    [Fact]
    public void A_scheduled_run_is_named_by_schedule_and_time()
    {
        string id = JobIds.FromSchedule("nightly", "2025-01-01T00:00:00Z");

        id.Should().Be(JobIds.FromSchedule("nightly", "2025-01-01T00:00:00Z"));
        id.Should().NotBe(JobIds.FromSchedule("nightly", "2025-01-02T00:00:00Z"));
        id.Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("nightly\n2025-01-01T00:00:00Z"u8))[..32]);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", false)]
    [InlineData("0123456789abcdef0123456789abcde", false)]
    [InlineData("0123456789abcdef0123456789abcdef0", false)]
    [InlineData("0123456789abcdef0123456789abcdeg", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Well_formed_ids_are_32_lowercase_hex(string? id, bool wellFormed) =>
        JobIds.IsWellFormed(id).Should().Be(wellFormed);

    [Theory]
    [InlineData("a", true)]
    [InlineData("Order-2024.01_01:run", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("has space", false)]
    [InlineData("slash/no", false)]
    [InlineData("ünïcode", false)]
    public void Idempotency_keys_are_1_to_128_safe_characters(string? key, bool valid)
    {
        JobIds.IsValidIdempotencyKey(key).Should().Be(valid);
    }

    [Fact]
    public void Idempotency_keys_are_at_most_128_characters()
    {
        JobIds.IsValidIdempotencyKey(new string('k', 128)).Should().BeTrue();
        JobIds.IsValidIdempotencyKey(new string('k', 129)).Should().BeFalse();
    }
}
