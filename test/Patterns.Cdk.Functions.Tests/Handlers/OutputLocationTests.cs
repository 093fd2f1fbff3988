using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class OutputLocationTests
{
    [Theory]
    [InlineData(Strategy.SeparateBucket, "incoming/", "", "incoming/a/b/c.txt", "results-bucket", "a/b/c.txt")]
    [InlineData(Strategy.SeparateBucket, "incoming/", "stamped/", "incoming/a/b/c.txt", "results-bucket", "stamped/a/b/c.txt")]
    [InlineData(Strategy.SeparateBucket, "", "", "a/b/c.txt", "results-bucket", "a/b/c.txt")]
    [InlineData(Strategy.KeyFilter, "incoming/", "processed/", "incoming/a/b/c.txt", "uploads-bucket", "processed/a/b/c.txt")]
    [InlineData(Strategy.KeyFilter, "incoming/", "processed/", "incoming/x.txt", "uploads-bucket", "processed/x.txt")]
    [InlineData(Strategy.KeyFilter, "in-", "out-", "in-report 2024.pdf", "uploads-bucket", "out-report 2024.pdf")]
    [InlineData(Strategy.ObjectMetadata, "incoming/", "", "incoming/a/b/c.txt", "uploads-bucket", "incoming/a/b/c.txt")]
    [InlineData(Strategy.ProcessedLedger, "", "", "a/b/c.txt", "uploads-bucket", "a/b/c.txt")]
    [InlineData(Strategy.ProcessedLedger, "incoming/", "ignored/", "incoming/café.txt", "uploads-bucket", "incoming/café.txt")]
    public void Maps_the_source_key_per_strategy(Strategy strategy, string inputPrefix, string outputPrefix, string key, string bucket, string outputKey)
    {
        var settings = new ProcessorSettings(new SourceScope("uploads-bucket", inputPrefix), strategy, "results-bucket", outputPrefix, null);

        OutputLocation.Resolve(settings, key).Should().Be(new S3Location(bucket, outputKey));
    }

    [Theory]
    [InlineData(Strategy.ObjectMetadata, true)]
    [InlineData(Strategy.ProcessedLedger, true)]
    [InlineData(Strategy.SeparateBucket, false)]
    [InlineData(Strategy.KeyFilter, false)]
    public void Knows_which_strategies_write_in_place(Strategy strategy, bool inPlace)
    {
        OutputLocation.IsInPlace(strategy).Should().Be(inPlace);
    }

    [Fact]
    public void A_key_that_is_only_the_input_prefix_has_no_output_name()
    {
        var settings = new ProcessorSettings(new SourceScope("uploads-bucket", "incoming/"), Strategy.SeparateBucket, "results-bucket", "", null);

        Action resolve = () => OutputLocation.Resolve(settings, "incoming/");

        resolve.Should().Throw<BadInputException>().Which.Reason.Should().Contain("INPUT_PREFIX");
    }

    [Fact]
    public void A_key_outside_the_input_prefix_is_a_programming_error()
    {
        var settings = new ProcessorSettings(new SourceScope("uploads-bucket", "incoming/"), Strategy.KeyFilter, "", "processed/", null);

        Action resolve = () => OutputLocation.Resolve(settings, "processed/x.txt");

        resolve.Should().Throw<ArgumentException>();
    }
}
