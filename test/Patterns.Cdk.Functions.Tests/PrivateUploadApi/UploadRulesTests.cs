using System.Security.Cryptography;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;

// MD5 here is S3's Content-MD5 integrity check, not a security measure.
#pragma warning disable CA5351

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

/// <summary>The pure rules: ids, caller scope, keys, file names, content types, part sizing, part numbers, checksums, completion.</summary>
public sealed class UploadRulesTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Upload_ids_are_32_lowercase_hex_and_distinct()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => UploadRules.NewUploadId()).ToList();

        ids.Should().OnlyContain(id => id.Length == 32 && id.All(c => char.IsAsciiDigit(c) || (c >= 'a' && c <= 'f')));
        ids.Should().OnlyHaveUniqueItems();
        ids.Should().OnlyContain(id => UploadRules.IsUploadId(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("../../../../../../../../etc/pass")]
    public void Anything_but_32_lowercase_hex_is_not_an_upload_id(string? value) =>
        UploadRules.IsUploadId(value).Should().BeFalse();

    [Theory]
    [InlineData("111122223333", "AROA3XFRBF535PLBIFPI4:alice-session", "111122223333/AROA3XFRBF535PLBIFPI4")]
    [InlineData("111122223333", "AROA3XFRBF535PLBIFPI4:another-session", "111122223333/AROA3XFRBF535PLBIFPI4")]
    [InlineData("111122223333", "AIDAINPONIXQXHT3IKHL2", "111122223333/AIDAINPONIXQXHT3IKHL2")]
    [InlineData("111122223333", "111122223333", "111122223333/111122223333")] // the root user
    public void The_caller_scope_is_the_account_and_the_principal_id_before_the_session(string account, string user, string expected) =>
        UploadRules.CallerScope(new RestApiProxyIdentity { AccountId = account, User = user }).Should().Be(expected);

    [Theory]
    [InlineData(null, "AROA3XFRBF535PLBIFPI4:s")]
    [InlineData("111122223333", null)]
    [InlineData("111122223333", "")]
    [InlineData("111122223333", ":session")]
    [InlineData("11112222333", "AROA3XFRBF535PLBIFPI4")]
    [InlineData("11112222333x", "AROA3XFRBF535PLBIFPI4")]
    [InlineData("111122223333", "AROA/../x:s")]
    [InlineData("111122223333", "AROA 3XF:s")]
    [InlineData("111122223333", "AROA-3XF:s")]
    [InlineData("111122223333", "AROA3XF:s")]
    [InlineData("111122223333", "arn:aws:iam::111122223333:user/x")]
    public void A_missing_or_unusable_identity_has_no_scope(string? account, string? user) =>
        UploadRules.CallerScope(new RestApiProxyIdentity { AccountId = account, User = user }).Should().BeNull();

    [Fact]
    public void No_identity_has_no_scope() => UploadRules.CallerScope(null).Should().BeNull();

    [Fact]
    public void The_key_is_prefix_scope_id_and_the_name_verbatim() =>
        UploadRules.ObjectKey("uploads", "111122223333/AROAX", "0123456789abcdef0123456789abcdef", "Report (final) ü.pdf")
            .Should().Be("uploads/111122223333/AROAX/0123456789abcdef0123456789abcdef/Report (final) ü.pdf");

    [Theory]
    [InlineData("photo.jpg")]
    [InlineData("Report (final) v2.PDF")]
    [InlineData("..hidden")]
    [InlineData("a..b")]
    [InlineData("файл.txt")]
    [InlineData("名前.png")]
    [InlineData("emoji 😀.txt")]
    [InlineData("a b")]
    [InlineData("%2e%2e")]
    public void Ordinary_names_are_kept(string name) => UploadRules.FileNameProblem(name).Should().BeNull();

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData(".", "'.' or '..'")]
    [InlineData("..", "'.' or '..'")]
    [InlineData("dir/photo.jpg", "'/'")]
    [InlineData("../../etc/passwd", "'/'")]
    [InlineData("/absolute", "'/'")]
    [InlineData("dir\\photo.jpg", "'/'")]
    [InlineData("..\\..\\x", "'/'")]
    [InlineData("a\u0000b", "control")]
    [InlineData("a\nb", "control")]
    [InlineData("a\rb", "control")]
    [InlineData("a\tb", "control")]
    [InlineData("a\u001fb", "control")]
    [InlineData("a\u007fb", "control")]
    [InlineData("a\u0085b", "control")]
    [InlineData("a\u009fb", "control")]
    [InlineData(" leading", "whitespace")]
    [InlineData("trailing ", "whitespace")]
    [InlineData("trailing\u00a0", "whitespace")]
    [InlineData("\u3000ideographic", "whitespace")]
    public void Names_with_path_segments_control_characters_or_edge_whitespace_are_refused(string? name, string reason) =>
        UploadRules.FileNameProblem(name).Should().Contain(reason);

    [Fact]
    public void A_lone_surrogate_is_not_text()
    {
        // Built here: xUnit's test-case serialisation would replace the lone surrogate of an InlineData string.
        string name = "bad" + (char)0xD800 + "surrogate";
        UploadRules.FileNameProblem(name).Should().Contain("Unicode");
        UploadRules.FileNameProblem("ok" + (char)0xD83D + (char)0xDE00).Should().BeNull("a pair is one character");
    }

    [Fact]
    public void Names_are_limited_to_255_utf8_bytes_not_characters()
    {
        UploadRules.FileNameProblem(new string('a', 255)).Should().BeNull();
        UploadRules.FileNameProblem(new string('a', 256)).Should().Contain("256 bytes");
        UploadRules.FileNameProblem(string.Concat(Enumerable.Repeat("é", 127)) + "a").Should().BeNull("127 × 2 + 1 = 255 bytes");
        UploadRules.FileNameProblem(string.Concat(Enumerable.Repeat("é", 128))).Should().Contain("256 bytes", "128 characters, 256 bytes");
    }

    private static readonly string[] Allowed = ["image/png", "text/plain", "application/pdf"];

    [Theory]
    [InlineData("image/png", "image/png")]
    [InlineData("IMAGE/PNG", "image/png")]
    [InlineData("text/plain; charset=utf-8", "text/plain")]
    [InlineData(" application/pdf ", "application/pdf")]
    public void Allowed_types_match_case_insensitively_without_parameters(string given, string expected) =>
        UploadRules.AllowedContentType(given, Allowed).Should().Be(expected);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("image/*")]
    [InlineData("image/jpeg")]
    [InlineData("text/html")]
    [InlineData("image/png/x")]
    [InlineData("not a type")]
    [InlineData("application/octet-stream")]
    public void Other_types_are_refused(string? given) => UploadRules.AllowedContentType(given, Allowed).Should().BeNull();

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(8 * MiB)]
    public void Up_to_8_MiB_is_one_POST(long size)
    {
        PartPlan plan = UploadRules.Plan(size);
        plan.Mode.Should().Be(UploadMode.Single);
        plan.PartCount.Should().Be(1);
        plan.PartSize.Should().Be(size);
    }

    [Theory]
    [InlineData(8 * MiB + 1, 8 * MiB, 2)]
    [InlineData(16 * MiB, 8 * MiB, 2)]
    [InlineData(1024 * MiB, 8 * MiB, 128)]
    [InlineData(10_000 * 8 * MiB, 8 * MiB, 10_000)] // exactly 10,000 parts of the minimum size
    [InlineData(10_000 * 8 * MiB + 1, 9 * MiB, 8_889)] // one byte more: the part size grows by a whole MiB
    [InlineData(5L * 1024 * 1024 * MiB, 525 * MiB, 9_987)] // 5 TiB
    public void Multipart_parts_are_at_least_8_MiB_whole_MiB_and_never_more_than_10000(long size, long partSize, int partCount)
    {
        PartPlan plan = UploadRules.Plan(size);
        plan.Should().Be(new PartPlan(UploadMode.Multipart, partSize, partCount));
        (plan.PartSize % MiB).Should().Be(0);
        ((long)(plan.PartCount - 1) * plan.PartSize).Should().BeLessThan(size, "every part has at least one byte");
        ((long)plan.PartCount * plan.PartSize).Should().BeGreaterThanOrEqualTo(size);
    }

    [Fact]
    public void Sizes_all_along_the_range_stay_within_10000_parts_with_a_non_empty_last_part()
    {
        var random = new Random(13);
        for (int i = 0; i < 10_000; i++)
        {
            long size = 8 * MiB + 1 + (long)(random.NextDouble() * (5.0 * 1024 * 1024 * MiB));
            PartPlan plan = UploadRules.Plan(size);
            plan.PartCount.Should().BeLessThanOrEqualTo(10_000);
            plan.PartSize.Should().BeGreaterThanOrEqualTo(8 * MiB);
            long last = UploadRules.ExpectedPartSize(size, plan, plan.PartCount);
            last.Should().BeInRange(1, plan.PartSize);
        }
    }

    [Fact]
    public void A_negative_size_has_no_plan() =>
        FluentActions.Invoking(() => UploadRules.Plan(-1)).Should().Throw<ArgumentOutOfRangeException>();

    [Fact]
    public void Part_numbers_must_be_1_to_1000_per_call_within_the_part_count()
    {
        UploadRules.PartNumbersProblem([1, 2, 3], 3).Should().BeNull();
        UploadRules.PartNumbersProblem(Enumerable.Range(1, 1000).Select(n => (long)n).ToList(), 10_000).Should().BeNull();
        UploadRules.PartNumbersProblem([], 3).Should().Contain("1 to 1000");
        UploadRules.PartNumbersProblem(Enumerable.Range(1, 1001).Select(n => (long)n).ToList(), 10_000).Should().Contain("got 1001");
        UploadRules.PartNumbersProblem([0], 3).Should().Contain("1 to 3");
        UploadRules.PartNumbersProblem([4], 3).Should().Contain("got 4");
        UploadRules.PartNumbersProblem([-1], 3).Should().Contain("got -1");
        UploadRules.PartNumbersProblem([10_001], 10_000).Should().Contain("got 10001");
    }

    [Fact]
    public void Checksums_must_be_base64_digests_of_the_right_length()
    {
        string sha = Convert.ToBase64String(SHA256.HashData("x"u8));
        string md5 = Convert.ToBase64String(MD5.HashData("x"u8));
        UploadRules.IsBase64Sha256(sha).Should().BeTrue();
        UploadRules.IsBase64Md5(md5).Should().BeTrue();
        UploadRules.IsBase64Sha256(md5).Should().BeFalse();
        UploadRules.IsBase64Md5(sha).Should().BeFalse();
        UploadRules.IsBase64Sha256(Convert.ToHexString(SHA256.HashData("x"u8))).Should().BeFalse("hex is not base64");
        UploadRules.IsBase64Sha256(sha.Replace('=', 'A')).Should().BeFalse("33 bytes");
        UploadRules.IsBase64Sha256(new string('*', 44)).Should().BeFalse();
        UploadRules.IsBase64Sha256(null).Should().BeFalse();
        UploadRules.IsBase64Md5("").Should().BeFalse();
    }

    private static readonly PartPlan ThreeParts = UploadRules.Plan(20 * MiB); // 8 + 8 + 4 MiB

    [Fact]
    public void Completion_accepts_exactly_the_planned_parts_in_any_listed_order_and_returns_them_ascending()
    {
        ThreeParts.Should().Be(new PartPlan(UploadMode.Multipart, 8 * MiB, 3));
        CompletionCheck check = UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(3, 4 * MiB), Part(1, 8 * MiB), Part(2, 8 * MiB)]);

        check.IsComplete.Should().BeTrue();
        check.Parts.Select(p => p.PartNumber).Should().Equal(1, 2, 3);
        check.Parts.Select(p => p.ETag).Should().Equal("\"e1\"", "\"e2\"", "\"e3\"");
    }

    [Fact]
    public void Completion_lists_every_missing_part()
    {
        CompletionCheck check = UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(2, 8 * MiB)]);

        check.IsComplete.Should().BeFalse();
        check.MissingParts.Should().Equal(1, 3);
    }

    [Fact]
    public void Completion_with_no_parts_misses_them_all() =>
        UploadRules.CheckCompletion(20 * MiB, ThreeParts, []).MissingParts.Should().Equal(1, 2, 3);

    [Fact]
    public void A_part_of_the_wrong_size_is_a_mismatch()
    {
        UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(1, 8 * MiB), Part(2, 8 * MiB - 1), Part(3, 4 * MiB)])
            .Mismatch.Should().Contain("part 2 is 8388607 bytes; it must be 8388608");
        UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(1, 8 * MiB), Part(2, 8 * MiB), Part(3, 4 * MiB + 1)])
            .Mismatch.Should().Contain("part 3");
    }

    [Fact]
    public void A_part_beyond_the_plan_is_a_mismatch() =>
        UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(1, 8 * MiB), Part(2, 8 * MiB), Part(3, 4 * MiB), Part(4, 1)])
            .Mismatch.Should().Contain("outside 1..3");

    [Fact]
    public void A_part_listed_twice_counts_once()
    {
        CompletionCheck check = UploadRules.CheckCompletion(20 * MiB, ThreeParts, [Part(1, 8 * MiB), Part(1, 8 * MiB), Part(2, 8 * MiB), Part(3, 4 * MiB)]);
        check.IsComplete.Should().BeTrue();
        check.Parts.Should().HaveCount(3);
    }

    [Fact]
    public void The_10000_part_edge_completes_and_reports_missing_parts_exactly()
    {
        long size = 10_000 * 8 * MiB;
        PartPlan plan = UploadRules.Plan(size);
        var parts = Enumerable.Range(1, 10_000).Reverse().Select(n => Part(n, 8 * MiB)).ToList();

        UploadRules.CheckCompletion(size, plan, parts).Parts.Should().HaveCount(10_000).And.BeInAscendingOrder(p => p.PartNumber);
        UploadRules.CheckCompletion(size, plan, parts.Where(p => p.PartNumber != 10_000 && p.PartNumber != 1)).MissingParts.Should().Equal(1, 10_000);
    }

    private static StoredPart Part(int number, long size) => new(number, size, $"\"e{number}\"");
}
