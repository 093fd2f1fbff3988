using System.Reflection;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

/// <summary>
/// The parameterless constructors are what Lambda calls: they must read the environment, create the clients and
/// handle an invocation. The payloads here need no AWS call. Environment variables are process-wide, so these tests
/// run in their own non-parallel collection and restore every variable they set.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class LambdaEntryPointTests : IDisposable
{
    private readonly EnvironmentScope _environment = new();

    public LambdaEntryPointTests()
    {
        Set("AWS_REGION", "us-east-1");
        Set("SOURCE_BUCKET", Samples.Bucket);
        Set("INPUT_PREFIX", "incoming/");
        Set("LOG_LEVEL", "ERROR");
    }

    [Theory]
    [InlineData(typeof(ObjectMetadataGuard))]
    [InlineData(typeof(LedgerRecorder))]
    [InlineData(typeof(ContentStampProcessor))]
    public void Each_entry_point_has_the_shape_the_bootstrap_calls(Type type)
    {
        type.Namespace.Should().Be("Patterns.Cdk.Functions.RecursionSafeS3Processor");
        type.Assembly.GetName().Name.Should().Be("RecursionSafeS3Processor.Handlers");
        type.GetConstructor(Type.EmptyTypes).Should().NotBeNull();
        MethodInfo handle = type.GetMethod("HandleAsync", [typeof(Stream)])!;
        handle.Should().NotBeNull();
        handle.ReturnType.Should().Be<Task<Stream>>();
    }

    [Fact]
    public async Task The_guard_starts_from_the_environment()
    {
        Set("WORK_QUEUE_URL", Samples.WorkQueueUrl);

        Stream output = await new ObjectMetadataGuard().HandleAsync(Samples.Utf8(Samples.S3TestEvent));

        output.Should().NotBeNull();
    }

    [Fact]
    public async Task The_recorder_starts_from_the_environment()
    {
        Set("LEDGER_TABLE", "ledger");
        Set("LEDGER_TTL_SECONDS", "3600");
        Set("PROCESSOR_ROLE_ID", Samples.ProcessorRoleId);

        Stream output = await new LedgerRecorder().HandleAsync(Samples.Utf8(Samples.S3TestEvent));

        output.Should().NotBeNull();
    }

    [Fact]
    public async Task The_processor_starts_from_the_environment()
    {
        Set("STRATEGY", "KeyFilter");
        Set("OUTPUT_PREFIX", "processed/");
        Set("DEAD_LETTER_QUEUE_URL", Samples.DeadLetterQueueUrl);

        Stream output = await new ContentStampProcessor().HandleAsync(Samples.Utf8(Samples.SqsEvent(Samples.SqsMessage("m1", Samples.S3TestEvent))));

        Samples.ReadAll(output).Should().Be("""{"batchItemFailures":[]}""");
    }

    [Fact]
    public void A_misconfigured_function_fails_at_start_with_every_problem()
    {
        Set("STRATEGY", "KeyFilter");
        Set("OUTPUT_PREFIX", "incoming/processed/");

        Action create = () => _ = new ContentStampProcessor();

        create.Should().Throw<InvalidOperationException>().WithMessage("*INPUT_PREFIX ('incoming/') and OUTPUT_PREFIX ('incoming/processed/')*");
    }

    public void Dispose() => _environment.Dispose();

    private void Set(string name, string? value) => _environment.Set(name, value);
}

[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;
