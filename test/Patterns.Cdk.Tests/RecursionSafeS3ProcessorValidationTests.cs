using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>One test per validation rule, asserting the exact message a user reads.</summary>
public class RecursionSafeS3ProcessorValidationTests
{
    private static string FailsWith(Func<Stack, RecursionSafeS3ProcessorProps> props)
    {
        var stack = TestApp.NewStack();
        var act = () => new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", props(stack));
        return act.Should().Throw<ArgumentException>().Which.Message;
    }

    private static string Fails(RecursionSafeS3ProcessorProps props) => FailsWith(_ => props);

    private static IBucket Bucket(Stack s, string id = "Existing") => Amazon.CDK.AWS.S3.Bucket.FromBucketName(s, id, "existing-" + id.ToLowerInvariant());

    [Fact]
    public void KeyFilter_with_overlapping_prefixes_is_a_loop() =>
        Fails(new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "data/", OutputPrefix = "data/processed/" }).Should().Contain(
            "OutputPrefix: overlaps InputPrefix \"data/\", so output written under it matches the notification filter and triggers the processor again, forever (got \"data/processed/\"); choose prefixes where neither starts with the other, e.g. InputPrefix \"incoming/\" and OutputPrefix \"processed/\"");

    [Fact]
    public void KeyFilter_needs_an_input_prefix() =>
        Fails(new() { Strategy = ProcessingStrategy.KeyFilter, OutputPrefix = "processed/" }).Should().Contain(
            "InputPrefix: is required by KeyFilter: without it every key, including the output, triggers the processor (got \"\"); set InputPrefix, e.g. \"incoming/\"");

    [Fact]
    public void KeyFilter_needs_an_output_prefix() =>
        Fails(new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "incoming/" }).Should().Contain(
            "OutputPrefix: is required by KeyFilter: output must go somewhere the notification filter does not match (got \"\"); set OutputPrefix, e.g. \"processed/\"");

    [Fact]
    public void SeparateBucket_with_the_same_bucket_twice_is_a_loop() =>
        FailsWith(s => { var b = Bucket(s); return new() { ExistingBucket = b, ExistingOutputBucket = b }; }).Should().Contain(
            "ExistingOutputBucket: is the same bucket as ExistingBucket (bucket \"existing-existing\"), so every output would trigger the processor again (got \"Strategy SeparateBucket\"); pass a different bucket, or choose Strategy KeyFilter, ObjectMetadata or ProcessedLedger to write back to the same bucket safely");

    [Fact]
    public void Existing_and_props_of_the_same_resource_conflict() =>
        FailsWith(s => new() { ExistingBucket = Bucket(s), BucketProps = new BucketProps() }).Should().Contain(
            "ExistingBucket, BucketProps: both were given, but they are alternatives (got both); pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both");

    [Fact]
    public void Existing_function_and_function_props_conflict() =>
        FailsWith(s => new()
        {
            ExistingProcessorFunction = Function.FromFunctionArn(s, "F", "arn:aws:lambda:eu-west-1:123456789012:function:mine"),
            ProcessorFunctionProps = new FunctionProps { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22 },
        }).Should().Contain("ExistingProcessorFunction, ProcessorFunctionProps: both were given, but they are alternatives (got both); pass ExistingProcessorFunction for a function you deploy yourself, or ProcessorFunctionProps to have the construct deploy your code");

    [Fact]
    public void Output_bucket_props_need_SeparateBucket() =>
        Fails(new() { Strategy = ProcessingStrategy.ObjectMetadata, OutputBucketProps = new BucketProps() }).Should().Contain(
            "ExistingOutputBucket/OutputBucketProps: apply only to Strategy SeparateBucket; the other strategies write back to the source bucket (got ObjectMetadata); remove them, or use Strategy SeparateBucket");

    [Fact]
    public void In_place_strategies_reject_an_output_prefix() =>
        Fails(new() { Strategy = ProcessingStrategy.ProcessedLedger, OutputPrefix = "out/" }).Should().Contain(
            "OutputPrefix: does not apply to ProcessedLedger, which writes output in place (same key) (got \"out/\"); remove OutputPrefix, or use Strategy KeyFilter to write under another prefix");

    [Fact]
    public void Marker_needs_ObjectMetadata() =>
        Fails(new() { MarkerKey = "original" }).Should().Contain(
            "MarkerKey/MarkerValue: apply only to Strategy ObjectMetadata (got SeparateBucket); remove them or use Strategy ObjectMetadata");

    [Fact]
    public void Ledger_props_need_ProcessedLedger() =>
        Fails(new() { LedgerTtl = Duration.Days(2) }).Should().Contain(
            "ExistingLedgerTable/LedgerTableProps/LedgerTtl: apply only to Strategy ProcessedLedger (got SeparateBucket); remove them or use Strategy ProcessedLedger");

    [Fact]
    public void Marker_key_must_be_lower_case() =>
        Fails(new() { Strategy = ProcessingStrategy.ObjectMetadata, MarkerKey = "Original" }).Should().Contain(
            "MarkerKey: must be lower-case letters, digits, '-' or '_' (S3 stores user-metadata keys in lower case) (got \"Original\"); e.g. \"original\"");

    [Fact]
    public void Marker_value_must_not_be_empty() =>
        Fails(new() { Strategy = ProcessingStrategy.ObjectMetadata, MarkerValue = "" }).Should().Contain(
            "MarkerValue: must not be empty (got \"\"); e.g. \"true\"");

    [Fact]
    public void Prefixes_have_no_leading_slash()
    {
        var message = Fails(new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "/in/", OutputPrefix = "/out/" });
        message.Should().Contain("InputPrefix: starts with '/', but S3 keys have no leading slash (got \"/in/\"); drop the leading '/'");
        message.Should().Contain("OutputPrefix: starts with '/', but S3 keys have no leading slash (got \"/out/\"); drop the leading '/'");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var message = Fails(new() { MaxReceiveCount = 0, BatchSize = 11, ProcessorMemorySize = 64 });
        message.Should().StartWith("Invalid RecursionSafeS3ProcessorProps (3 problems):");
        message.Should().Contain("MaxReceiveCount: must be between 1 and 1000 (got 0); the default is 5");
        message.Should().Contain("BatchSize: must be a whole number between 1 and 10 (got 11); the default is 10");
        message.Should().Contain("ProcessorMemorySize: must be between 128 and 10240 MB (got 64); the default is 512");
    }

    [Fact]
    public void Sqs_fed_processors_need_a_concurrency_of_at_least_two() =>
        Fails(new() { ProcessorReservedConcurrency = 1 }).Should().Contain(
            "ProcessorReservedConcurrency: must be a whole number between 2 and 1000 (an SQS event source needs a maximum concurrency of at least 2) (got 1); the default is 5");

    [Fact]
    public void Ledger_processor_may_run_with_a_concurrency_of_one() =>
        new Action(() => Synth.Processor(new() { Strategy = ProcessingStrategy.ProcessedLedger, ProcessorReservedConcurrency = 1 })).Should().NotThrow();

    [Fact]
    public void Processor_timeout_is_bounded() =>
        Fails(new() { ProcessorTimeout = Duration.Minutes(16) }).Should().Contain(
            "ProcessorTimeout: must be between 1 second and 15 minutes (got 16 minutes); the default is 30 seconds");

    [Fact]
    public void Ledger_ttl_is_at_least_an_hour() =>
        Fails(new() { Strategy = ProcessingStrategy.ProcessedLedger, LedgerTtl = Duration.Minutes(5) }).Should().Contain(
            "LedgerTtl: must be at least one hour, or a late duplicate delivery would be processed again (got 5 minutes); the default is 1 day");

    [Fact]
    public void Invocation_alarm_threshold_is_positive() =>
        Fails(new() { InvocationsAlarmThreshold = 0 }).Should().Contain("InvocationsAlarmThreshold: must be positive (got 0); the default is 1000");

    [Fact]
    public void Alarm_topic_without_alarms_is_a_mistake() =>
        FailsWith(s => new() { AlarmTopic = new Topic(s, "T"), CreateAlarms = false }).Should().Contain(
            "AlarmTopic: was given but CreateAlarms is false, so nothing would notify it (got \"a topic\"); remove AlarmTopic or set CreateAlarms to true");

    [Fact]
    public void Log_level_must_be_known() =>
        Fails(new() { LogLevel = "LOUD" }).Should().Contain("LogLevel: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got \"LOUD\"); the default is INFO");

    [Fact]
    public void Function_props_need_code_handler_and_runtime() =>
        Fails(new() { ProcessorFunctionProps = new FunctionProps { Handler = "index.handler" } }).Should().Contain(
            "ProcessorFunctionProps: must set Code, Handler and Runtime (the construct supplies everything else) (got \"incomplete FunctionProps\"); set all three, or omit ProcessorFunctionProps to use the bundled example processor");

    [Fact]
    public void Existing_ledger_needs_its_stream() =>
        FailsWith(s => new() { Strategy = ProcessingStrategy.ProcessedLedger, ExistingLedgerTable = Table.FromTableName(s, "L", "ledger") }).Should().Contain(
            "ExistingLedgerTable: has no stream ARN; the ledger's stream is what triggers processing (got \"a table without TableStreamArn\"); enable a NEW_IMAGE stream and import the table with Table.FromTableAttributes(..., TableStreamArn = ...)");

    [Fact]
    public void Ledger_needs_a_processor_role_it_can_recognise() =>
        FailsWith(s => new()
        {
            Strategy = ProcessingStrategy.ProcessedLedger,
            ExistingProcessorFunction = Function.FromFunctionArn(s, "F", "arn:aws:lambda:eu-west-1:123456789012:function:mine"),
        }).Should().Contain(
            "ExistingProcessorFunction: must have an IAM role defined in this app: the ledger recorder skips writes made by that role (by its unique id), which is what breaks the in-place loop (got \"a function without a known role\"); define the function (and its role) in this app, or use ProcessorFunctionProps");

    [Fact]
    public void Tuning_a_function_we_do_not_own_is_refused() =>
        FailsWith(s => new()
        {
            ExistingProcessorFunction = Function.FromFunctionArn(s, "F", "arn:aws:lambda:eu-west-1:123456789012:function:mine"),
            ProcessorMemorySize = 1024,
        }).Should().Contain("ExistingProcessorFunction, ProcessorMemorySize: both were given, but they are alternatives (got both); set the memory size on your own function instead");

    [Fact]
    public void Bucket_key_for_an_existing_bucket_is_refused() =>
        FailsWith(s => new() { ExistingBucket = Bucket(s), BucketEncryptionKey = new Amazon.CDK.AWS.KMS.Key(s, "K") }).Should().Contain(
            "ExistingBucket, BucketEncryptionKey: both were given, but they are alternatives (got both); BucketEncryptionKey applies to buckets the construct creates; your bucket keeps its own encryption");

    [Fact]
    public void A_user_write_grant_over_the_trigger_fails_synthesis_with_an_explanation()
    {
        // The late validation is a C# IValidation called back from JavaScript through jsii (DeputyBase).
        var stack = TestApp.NewStack();
        var c = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "incoming/", OutputPrefix = "processed/" });
        c.Bucket.GrantReadWrite(c.ProcessorFunction);
        var act = () => Stage.Of(stack)!.Synth();
        act.Should().Throw<Exception>().Which.Message.Should().Contain("which is where its own trigger listens (prefix 'incoming/')")
            .And.Contain("forever");
    }

    [Fact]
    public void A_user_write_grant_elsewhere_passes_the_late_validation()
    {
        var stack = TestApp.NewStack();
        var c = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "incoming/", OutputPrefix = "processed/" });
        c.Bucket.GrantPut(c.ProcessorFunction, "reports/*");
        new Action(() => Stage.Of(stack)!.Synth()).Should().NotThrow();
    }

    [Fact]
    public void Loop_check_pure_rules()
    {
        LoopCheck.PrefixesOverlap("a/", "a/b/").Should().BeTrue();
        LoopCheck.PrefixesOverlap("", "x/").Should().BeTrue();
        LoopCheck.PrefixesOverlap("in/", "out/").Should().BeFalse();
        LoopCheck.KeyPatternOverlaps("*", "in/").Should().BeTrue();
        LoopCheck.KeyPatternOverlaps("in/x*", "in/").Should().BeTrue();
        LoopCheck.KeyPatternOverlaps("out/*", "in/").Should().BeFalse();
        LoopCheck.KeyPatternOverlaps("i*", "in/").Should().BeTrue();
        LoopCheck.AllowsPutObject("s3:Put*").Should().BeTrue();
        LoopCheck.AllowsPutObject("s3:*").Should().BeTrue();
        LoopCheck.AllowsPutObject("*").Should().BeTrue();
        LoopCheck.AllowsPutObject("s3:PutObjectLegalHold").Should().BeFalse();
        LoopCheck.AllowsPutObject("s3:GetObject*").Should().BeFalse();
    }
}
