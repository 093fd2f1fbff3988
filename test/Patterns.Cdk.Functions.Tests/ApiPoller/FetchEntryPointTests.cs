using System.Reflection;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.Tests.Handlers;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>
/// The parameterless constructors Lambda calls for the planner, the fetchers, the consumer and the demo partner: they read
/// the environment the construct sets and create their clients; a misconfiguration fails with every problem listed.
/// Environment variables are process-wide: these tests share the non-parallel collection and restore what they set.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class FetchEntryPointTests : IDisposable
{
    private readonly EnvironmentScope _environment = new();

    public FetchEntryPointTests()
    {
        Set("AWS_REGION", "us-east-1");
        Set("TABLE_NAME", "progress");
        Set("JOB_TTL_DAYS", "7");
        Set("PAYLOAD_BUCKET", "payloads");
        Set("QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/111122223333/work");
        Set("MAX_RECEIVE_COUNT", "5");
        Set("API_POLLER_SOURCES", SourceSamples.CatalogJson);
        Set("FUNCTION_TIMEOUT_SECONDS", "300");
        Set("LOG_LEVEL", "ERROR");
    }

    [Theory]
    [InlineData(typeof(JobPlanner))]
    [InlineData(typeof(PageFetcher))]
    [InlineData(typeof(CursorFetcher))]
    [InlineData(typeof(TaskConsumer))]
    [InlineData(typeof(DemoPartner))]
    public void Each_entry_point_has_the_shape_the_managed_runtime_calls_and_starts_from_the_environment(Type type)
    {
        type.Namespace.Should().Be("Patterns.Cdk.Functions.ApiPoller");
        type.Assembly.GetName().Name.Should().Be("ApiPoller.Handlers");
        ConstructorInfo constructor = type.GetConstructor(Type.EmptyTypes)!;
        constructor.Should().NotBeNull();
        type.GetMethod("HandleAsync", [typeof(Stream)])!.ReturnType.Should().Be<Task<Stream>>();

        constructor.Invoke(null).Should().NotBeNull();
    }

    [Fact]
    public async Task The_consumer_answers_an_empty_batch_without_any_call()
    {
        Stream output = await new TaskConsumer().HandleAsync(new MemoryStream("""{"Records":[]}"""u8.ToArray()));

        JsonDocument.Parse(output).RootElement.GetProperty("batchItemFailures").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task The_consumer_without_a_dead_letter_queue_rejects_a_null_record_as_bad_input()
    {
        Func<Task> handle = () => new TaskConsumer().HandleAsync(new MemoryStream("""{"Records":[null]}"""u8.ToArray()));

        (await handle.Should().ThrowAsync<Patterns.Cdk.Functions.Shared.BadInputException>()).Which.Reason.Should().Contain("Records[0] is null");
    }

    [Theory]
    [InlineData("""{"Items":[null],"BatchInput":{"jobId":"j","source":"s"}}""", "$.Items[0]")]
    [InlineData("""{"Items":[{"page":1},null],"BatchInput":{"jobId":"j","source":"s"}}""", "$.Items[1]")]
    [InlineData("""{"Items":[{"page":1}],"BatchInput":{"jobId":"j","source":"s\ud800"}}""", "$.BatchInput.source")]
    public async Task The_page_fetcher_rejects_a_null_page_item_or_a_lone_surrogate_as_bad_input(string payload, string path)
    {
        Func<Task> handle = () => new PageFetcher().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));

        (await handle.Should().ThrowAsync<Patterns.Cdk.Functions.Shared.BadInputException>()).Which.Reason.Should().Contain(path);
    }

    [Fact]
    public void A_misconfigured_fetcher_lists_every_problem()
    {
        Set("QUEUE_URL", "");
        Set("FUNCTION_TIMEOUT_SECONDS", "soon");

        Action create = () => _ = new PageFetcher();

        create.Should().Throw<InvalidOperationException>().WithMessage("*QUEUE_URL is required*FUNCTION_TIMEOUT_SECONDS must be a whole number*");
    }

    [Fact]
    public void A_missing_receive_count_stops_the_consumer()
    {
        Set("MAX_RECEIVE_COUNT", "");

        Action create = () => _ = new TaskConsumer();

        create.Should().Throw<InvalidOperationException>().WithMessage("*MAX_RECEIVE_COUNT*");
    }

    [Fact]
    public async Task The_demo_partner_serves_a_page()
    {
        Set("DEMO_TOTAL_ITEMS", "3");
        const string Event = """{"rawPath":"/items","queryStringParameters":{"page":"1"},"requestContext":{"http":{"method":"GET"}}}""";

        Stream output = await new DemoPartner().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(Event)));

        JsonDocument.Parse(output).RootElement.GetProperty("statusCode").GetInt32().Should().Be(200);
    }

    public void Dispose() => _environment.Dispose();

    private void Set(string name, string? value) => _environment.Set(name, value);
}
