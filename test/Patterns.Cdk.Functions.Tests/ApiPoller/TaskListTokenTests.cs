using System.Text;
using Patterns.Cdk.Functions.ApiPoller.Progress;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class TaskListTokenTests
{
    private const string Job = "0123456789abcdef0123456789abcdef";
    private const string OtherJob = "fedcba9876543210fedcba9876543210";

    [Fact]
    public void Round_trips_the_next_page_as_url_safe_text()
    {
        string token = TaskListToken.Encode(Job, 501);

        token.Should().MatchRegex("^[A-Za-z0-9_-]+$");
        TaskListToken.TryDecode(token, Job, out int page).Should().BeTrue();
        page.Should().Be(501);
    }

    [Fact]
    public void A_token_of_another_job_is_rejected() =>
        TaskListToken.TryDecode(TaskListToken.Encode(OtherJob, 2), Job, out _).Should().BeFalse();

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("not base64!")]
    [InlineData("djE6MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY6MA")] // page 0
    [InlineData("AAAA")]
    public void Anything_else_is_rejected(string? token) =>
        TaskListToken.TryDecode(token, Job, out _).Should().BeFalse();

    [Theory]
    [InlineData("v2:{0}:5")]
    [InlineData("v1:{0}:-5")]
    [InlineData("v1:{0}:5:6")]
    [InlineData("v1:{0}:99999999999")]
    public void Forged_contents_are_rejected(string format)
    {
        string forged = System.Buffers.Text.Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Job)));
        TaskListToken.TryDecode(forged, Job, out _).Should().BeFalse();
    }

    [Fact]
    public void Oversized_tokens_are_rejected_before_decoding() =>
        TaskListToken.TryDecode(new string('A', 4096), Job, out _).Should().BeFalse();
}
