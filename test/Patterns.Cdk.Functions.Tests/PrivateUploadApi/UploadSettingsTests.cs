using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

public sealed class UploadSettingsTests
{
    private static Dictionary<string, string?> Full() => new()
    {
        ["UPLOAD_BUCKET"] = "uploads-bucket",
        ["SESSION_TABLE"] = "sessions",
        ["KEY_PREFIX"] = "incoming",
        ["ALLOWED_CONTENT_TYPES"] = "image/png, application/pdf,image/png",
        ["MAX_UPLOAD_BYTES"] = "1073741824",
        ["DIRECT_MAX_BYTES"] = "1048576",
        ["URL_EXPIRY_SECONDS"] = "600",
        ["SESSION_TTL_SECONDS"] = "87000",
        ["EVENT_BUS_NAME"] = "uploads-bus",
        ["EVENTBRIDGE_ENDPOINT"] = "http://127.0.0.1:4010/",
    };

    [Fact]
    public void Every_variable_is_read()
    {
        UploadSettings settings = UploadSettings.FromEnvironment(Env.From(Full()), "UploadSessions", UploadSettingsNeeds.ContentTypes | UploadSettingsNeeds.MaxUploadBytes);

        settings.Bucket.Should().Be("uploads-bucket");
        settings.Table.Should().Be("sessions");
        settings.KeyPrefix.Should().Be("incoming");
        settings.AllowedContentTypes.Should().Equal("image/png", "application/pdf");
        settings.MaxUploadBytes.Should().Be(1L << 30);
        settings.DirectMaxBytes.Should().Be(1 << 20);
        settings.UrlExpiry.Should().Be(TimeSpan.FromMinutes(10));
        settings.SessionTtl.Should().Be(TimeSpan.FromSeconds(87000));
        settings.EventBusName.Should().Be("uploads-bus");
        settings.EventBridgeEndpoint.Should().Be(new Uri("http://127.0.0.1:4010/"));
    }

    [Fact]
    public void The_completer_needs_only_the_bucket_and_the_table()
    {
        UploadSettings settings = UploadSettings.FromEnvironment(
            Env.Of(("UPLOAD_BUCKET", "b"), ("SESSION_TABLE", "t")), "UploadCompleter", UploadSettingsNeeds.None);

        settings.KeyPrefix.Should().Be("uploads");
        settings.EventBusName.Should().BeNull("the account's default bus");
        settings.EventBridgeEndpoint.Should().BeNull();
        settings.DirectMaxBytes.Should().Be(4 * 1024 * 1024);
        settings.UrlExpiry.Should().Be(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Dictionary<string, string?> environment = Full();
        environment["UPLOAD_BUCKET"] = null;
        environment["KEY_PREFIX"] = "Uploads/";
        environment["ALLOWED_CONTENT_TYPES"] = "image/*,text/plain";
        environment["MAX_UPLOAD_BYTES"] = "6000000000000";
        environment["DIRECT_MAX_BYTES"] = "10485760";
        environment["URL_EXPIRY_SECONDS"] = "0";
        environment["EVENTBRIDGE_ENDPOINT"] = "events.local";

        FluentActions.Invoking(() => UploadSettings.FromEnvironment(Env.From(environment), "UploadSessions", UploadSettingsNeeds.ContentTypes | UploadSettingsNeeds.MaxUploadBytes))
            .Should().Throw<InvalidOperationException>()
            .Which.Message.Should().ContainAll(
                "UploadSessions is misconfigured", "UPLOAD_BUCKET is required", "KEY_PREFIX", "'image/*'", "MAX_UPLOAD_BYTES must be a whole number from 1 to 5497558138880",
                "DIRECT_MAX_BYTES must be a whole number from 1 to 4194304", "URL_EXPIRY_SECONDS", "EVENTBRIDGE_ENDPOINT");
    }

    [Fact]
    public void Sessions_require_the_allowlist_and_the_maximum()
    {
        FluentActions.Invoking(() => UploadSettings.FromEnvironment(Env.Of(("UPLOAD_BUCKET", "b"), ("SESSION_TABLE", "t")), "UploadSessions", UploadSettingsNeeds.ContentTypes | UploadSettingsNeeds.MaxUploadBytes))
            .Should().Throw<InvalidOperationException>().Which.Message.Should().ContainAll("ALLOWED_CONTENT_TYPES is required", "MAX_UPLOAD_BYTES is required");
    }
}
