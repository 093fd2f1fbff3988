using FluentAssertions;
using Snapshooter.Xunit;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Scrubbed template snapshots (minimal / all options / existing resources); each also feeds the cdk-nag, runtime and
/// cfn-lint checks (artifacts/nag).
/// </summary>
public class PrivateUploadApiSnapshotTests
{
    [Fact]
    public void Minimal()
    {
        var (stack, _, _) = UploadSynth.Uploads();
        TestApp.WriteForNag(stack, "private-upload-api-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void All_options()
    {
        var (stack, uploads, _) = UploadSynth.Uploads(UploadSynth.AllOptions);
        uploads.Alarms.Should().NotBeEmpty();
        TestApp.WriteForNag(stack, "private-upload-api-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Existing_resources()
    {
        var (stack, _, _) = UploadSynth.Uploads(UploadSynth.Existing);
        TestApp.WriteForNag(stack, "private-upload-api-existing");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }
}
