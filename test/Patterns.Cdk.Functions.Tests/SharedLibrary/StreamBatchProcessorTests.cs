using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class StreamBatchProcessorTests
{
    private readonly TestLog _log = new();

    [Fact]
    public async Task All_records_succeeding_gives_no_failures()
    {
        var handled = new List<string>();

        BatchResponse response = await new StreamBatchProcessor(_log.Log).ProcessAsync(Batch("100", "200"), r =>
        {
            handled.Add(r.Dynamodb.SequenceNumber);
            return Task.CompletedTask;
        });

        handled.Should().Equal("100", "200");
        response.BatchItemFailures.Should().BeEmpty();
    }

    [Fact]
    public async Task Processing_stops_at_the_first_failure_and_reports_its_sequence_number()
    {
        var handled = new List<string>();

        BatchResponse response = await new StreamBatchProcessor(_log.Log).ProcessAsync(Batch("100", "200", "300"), r =>
        {
            handled.Add(r.Dynamodb.SequenceNumber);
            return r.Dynamodb.SequenceNumber == "200" ? throw new TimeoutException("slow") : Task.CompletedTask;
        });

        handled.Should().Equal("100", "200");
        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("200");
        _log.At("WARN").Single().GetProperty("deferredRecords").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Bad_input_is_reported_as_a_failure_so_it_reaches_the_on_failure_destination()
    {
        BatchResponse response = await new StreamBatchProcessor(_log.Log).ProcessAsync(Batch("100"), _ => throw new BadInputException("no NewImage"));

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("100");
        _log.At("ERROR").Single().GetProperty("errorMessage").GetString().Should().Be("no NewImage");
    }

    private static DynamoDbStreamEvent Batch(params string[] sequenceNumbers) =>
        LambdaJson.Parse(
            Samples.StreamEvent(sequenceNumbers.Select(n => Samples.LedgerStreamRecord(n, $"incoming/{n}.txt")).ToArray()),
            LambdaEventsJsonContext.Default.DynamoDbStreamEvent);
}
