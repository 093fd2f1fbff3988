using Amazon.S3.Model;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class OriginalMarkerTests
{
    [Theory]
    [InlineData("x-amz-meta-original", "true", true)]
    [InlineData("original", "true", true)]
    [InlineData("X-Amz-Meta-Original", "true", true)]
    [InlineData("x-amz-meta-ORIGINAL", "true", true)]
    [InlineData("x-amz-meta-original", "false", false)]
    [InlineData("x-amz-meta-original", "TRUE", false)]
    [InlineData("x-amz-meta-original", "", false)]
    [InlineData("x-amz-meta-originally", "true", false)]
    [InlineData("x-amz-meta-sha256", "true", false)]
    public void Finds_the_marker_whatever_the_key_case_and_prefix(string key, string value, bool expected)
    {
        var metadata = new MetadataCollection();
        metadata.Add("x-amz-meta-uploader", "alice");
        metadata.Add(key, value);

        OriginalMarker.IsPresent(metadata, "original", "true").Should().Be(expected);
    }

    [Fact]
    public void No_metadata_means_no_marker()
    {
        OriginalMarker.IsPresent(new MetadataCollection(), "original", "true").Should().BeFalse();
    }

    [Fact]
    public void Uses_the_configured_key_and_value()
    {
        var metadata = new MetadataCollection();
        metadata.Add("x-amz-meta-source", "camera");

        OriginalMarker.IsPresent(metadata, "Source", "camera").Should().BeTrue();
        OriginalMarker.IsPresent(metadata, "original", "true").Should().BeFalse();
    }
}
