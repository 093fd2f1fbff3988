using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class SettingsTests
{
    [Fact]
    public void Guard_settings_default_the_marker()
    {
        GuardSettings settings = GuardSettings.FromEnvironment(Env.Of(("SOURCE_BUCKET", "uploads"), ("WORK_QUEUE_URL", Samples.WorkQueueUrl)));

        settings.Should().Be(new GuardSettings(new SourceScope("uploads", ""), Samples.WorkQueueUrl, "original", "true"));
    }

    [Fact]
    public void Guard_settings_read_every_variable()
    {
        GuardSettings settings = GuardSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "uploads"), ("INPUT_PREFIX", "incoming/"), ("WORK_QUEUE_URL", Samples.WorkQueueUrl), ("MARKER_KEY", "source"), ("MARKER_VALUE", "camera"),
            ("PROCESSOR_ROLE_ID", Samples.ProcessorRoleId)));

        settings.Should().Be(new GuardSettings(new SourceScope("uploads", "incoming/"), Samples.WorkQueueUrl, "source", "camera", Samples.ProcessorRoleId));
    }

    [Fact]
    public void Guard_settings_name_every_missing_variable()
    {
        Action read = () => GuardSettings.FromEnvironment(Env.Of());

        read.Should().Throw<InvalidOperationException>()
            .WithMessage("ObjectMetadataGuard is misconfigured: SOURCE_BUCKET is required but not set; WORK_QUEUE_URL is required but not set.");
    }

    [Fact]
    public void Ledger_settings_read_every_variable()
    {
        LedgerSettings settings = LedgerSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "uploads"), ("LEDGER_TABLE", "ledger"), ("LEDGER_TTL_SECONDS", "86400"), ("PROCESSOR_ROLE_ID", Samples.ProcessorRoleId)));

        settings.Should().Be(new LedgerSettings(new SourceScope("uploads", ""), "ledger", 86400, Samples.ProcessorRoleId));
    }

    [Fact]
    public void Ledger_settings_reject_a_bad_TTL_and_a_missing_role_id()
    {
        Action read = () => LedgerSettings.FromEnvironment(Env.Of(("SOURCE_BUCKET", "uploads"), ("LEDGER_TABLE", "ledger"), ("LEDGER_TTL_SECONDS", "0")));

        read.Should().Throw<InvalidOperationException>().WithMessage(
            "LedgerRecorder is misconfigured: LEDGER_TTL_SECONDS must be a whole number greater than zero (got '0'); PROCESSOR_ROLE_ID is required but not set.");
    }

    [Theory]
    [InlineData("SeparateBucket", "incoming/", "results", "", Samples.DeadLetterQueueUrl)]
    [InlineData("KeyFilter", "incoming/", "uploads", "processed/", Samples.DeadLetterQueueUrl)]
    [InlineData("ObjectMetadata", "", "uploads", "", null)]
    [InlineData("ProcessedLedger", "", "", "", null)]
    public void Processor_settings_accept_loop_free_configurations(string strategy, string inputPrefix, string outputBucket, string outputPrefix, string? deadLetterQueueUrl)
    {
        ProcessorSettings settings = ProcessorSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "uploads"), ("STRATEGY", strategy), ("INPUT_PREFIX", inputPrefix), ("OUTPUT_BUCKET", outputBucket),
            ("OUTPUT_PREFIX", outputPrefix), ("DEAD_LETTER_QUEUE_URL", deadLetterQueueUrl)));

        settings.Strategy.Should().Be(Enum.Parse<Strategy>(strategy));
        settings.Scope.Should().Be(new SourceScope("uploads", inputPrefix));
        settings.DeadLetterQueueUrl.Should().Be(deadLetterQueueUrl);
    }

    [Fact]
    public void Processor_settings_keep_the_dead_letter_queue_of_the_ledger_strategy_for_null_stream_entries()
    {
        ProcessorSettings settings = ProcessorSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "uploads"), ("STRATEGY", "ProcessedLedger"), ("DEAD_LETTER_QUEUE_URL", Samples.DeadLetterQueueUrl)));

        settings.DeadLetterQueueUrl.Should().Be(Samples.DeadLetterQueueUrl);
        settings.MaxReceiveCount.Should().BeNull();
    }

    [Fact]
    public void Processor_settings_read_the_optional_max_receive_count()
    {
        ProcessorSettings settings = ProcessorSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", "uploads"), ("STRATEGY", "ObjectMetadata"), ("DEAD_LETTER_QUEUE_URL", Samples.DeadLetterQueueUrl), ("MAX_RECEIVE_COUNT", "3")));

        settings.MaxReceiveCount.Should().Be(3);
        Action read = () => ProcessorSettings.FromEnvironment(Env.Of(("SOURCE_BUCKET", "uploads"), ("STRATEGY", "ObjectMetadata"), ("MAX_RECEIVE_COUNT", "three")));
        read.Should().Throw<InvalidOperationException>().WithMessage("*MAX_RECEIVE_COUNT must be a whole number greater than zero (got 'three')*");
    }

    [Theory]
    [InlineData("", "", "", "", "SOURCE_BUCKET is required but not set; STRATEGY is required but not set")]
    [InlineData("Sideways", "", "", "", "STRATEGY must be one of SeparateBucket, KeyFilter, ObjectMetadata, ProcessedLedger (got 'Sideways')")]
    [InlineData("separatebucket", "", "", "", "STRATEGY must be one of")]
    [InlineData("SeparateBucket", "", "", "", "OUTPUT_BUCKET is required but not set")]
    [InlineData("SeparateBucket", "", "uploads", "", "OUTPUT_BUCKET must differ from SOURCE_BUCKET")]
    [InlineData("KeyFilter", "incoming/", "", "", "neither may start with the other")]
    [InlineData("KeyFilter", "", "", "processed/", "neither may start with the other")]
    [InlineData("KeyFilter", "incoming/", "", "incoming/processed/", "neither may start with the other")]
    [InlineData("KeyFilter", "data/in/", "", "data/", "neither may start with the other")]
    public void Processor_settings_reject_configurations_that_are_incomplete_or_could_loop(
        string strategy, string inputPrefix, string outputBucket, string outputPrefix, string expectedProblem)
    {
        string sourceBucket = strategy.Length == 0 ? "" : "uploads";

        Action read = () => ProcessorSettings.FromEnvironment(Env.Of(
            ("SOURCE_BUCKET", sourceBucket), ("STRATEGY", strategy), ("INPUT_PREFIX", inputPrefix), ("OUTPUT_BUCKET", outputBucket), ("OUTPUT_PREFIX", outputPrefix)));

        read.Should().Throw<InvalidOperationException>().Which.Message.Should().StartWith("ContentStampProcessor is misconfigured: ").And.Contain(expectedProblem);
    }
}
