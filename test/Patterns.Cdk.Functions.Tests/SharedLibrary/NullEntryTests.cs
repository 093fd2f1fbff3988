using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

/// <summary>
/// A null entry in an event array is bad input at once: set aside with a reason, never a NullReferenceException that
/// the handler would report as transient and Lambda would retry.
/// </summary>
public class NullEntryTests
{
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly List<SendMessageRequest> _sent = [];
    private readonly TestLog _log = new();

    public NullEntryTests()
    {
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(_sent.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());
    }

    [Theory]
    [InlineData("""{"Records":[null]}""", "$.Records[0]")]
    [InlineData("""{"Records":[RECORD,null]}""", "$.Records[1]")]
    [InlineData("""{"Records":[RECORD,null,RECORD]}""", "$.Records[1]")]
    public void An_S3_notification_with_a_null_record_is_bad_input_naming_the_entry(string json, string path)
    {
        Action parse = () => S3Notification.Parse(json.Replace("RECORD", Samples.S3Record("incoming/a.txt"), StringComparison.Ordinal));

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain($"null entry at {path}");
    }

    [Theory]
    [InlineData("""{"rawPath":"/","cookies":["a=1",null],"requestContext":{"http":{"method":"GET"}}}""", "$.cookies[1]")]
    [InlineData("""{"rawPath":"/","requestContext":{"http":{"method":"GET"},"authorizer":{"jwt":null,"iam":{"cognitoIdentity":{"amr":[null]}}}}}""", "$.requestContext.authorizer.iam.cognitoIdentity.amr[0]")]
    public void A_null_entry_in_any_nested_array_is_bad_input(string json, string path)
    {
        Action parse = () => LambdaJson.Parse(json, LambdaEventsJsonContext.Default.HttpApiV2Request);

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain($"null entry at {path}");
    }

    [Fact]
    public void A_batch_event_keeps_its_null_records_for_the_batch_processor_but_not_nulls_deeper_down()
    {
        SqsEvent batch = LambdaJson.Parse("""{"Records":[null]}""", LambdaEventsJsonContext.Default.SqsEvent);
        batch.Records.Should().Equal([null]);

        string nested = Samples.SqsEvent(Samples.SqsMessage("m1", "b")).Replace("\"messageAttributes\": {", "\"messageAttributes\": { \"list\": { \"dataType\": \"String.Array\", \"stringListValues\": [null] },", StringComparison.Ordinal);
        nested.Should().Contain("stringListValues");
        Action parse = () => LambdaJson.Parse(nested, LambdaEventsJsonContext.Default.SqsEvent);
        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain("$.Records[0].messageAttributes.list.stringListValues[0]");
    }

    [Fact]
    public void The_event_source_probe_skips_null_records()
    {
        EventSourceProbe probe = LambdaJson.Parse("""{"Records":[null,{"eventSource":"aws:sqs"}]}""", LambdaEventsJsonContext.Default.EventSourceProbe);

        probe.EventSource.Should().Be(EventSourceProbe.Sqs);
        probe.HasOnlyNullRecords.Should().BeFalse();
        LambdaJson.Parse("""{"Records":[null,null]}""", LambdaEventsJsonContext.Default.EventSourceProbe).HasOnlyNullRecords.Should().BeTrue();
    }

    [Fact]
    public async Task An_SQS_batch_sends_a_null_record_to_the_dead_letter_queue_with_its_reason_and_runs_the_others()
    {
        var handled = new List<string>();
        SqsEvent batch = LambdaJson.Parse($$"""{"Records":[{{Samples.SqsMessage("m1", "one")}},null,{{Samples.SqsMessage("m3", "three")}}]}""", LambdaEventsJsonContext.Default.SqsEvent);

        BatchResponse response = await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log).ProcessAsync(batch, m => { handled.Add(m.MessageId); return Task.CompletedTask; });

        handled.Should().Equal("m1", "m3");
        response.BatchItemFailures.Should().BeEmpty();
        SendMessageRequest dead = _sent.Should().ContainSingle().Subject;
        (dead.QueueUrl, dead.MessageBody).Should().Be((Samples.DeadLetterQueueUrl, "null"));
        dead.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should().Be("Records[1] is null: an event record must be an object");
        dead.MessageAttributes.Should().NotContainKey(SqsBatchProcessor.SourceMessageIdAttribute, "a null entry has no message id");
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_a_null_record_rejects_the_batch_before_any_message_runs()
    {
        var handled = new List<string>();
        SqsEvent batch = LambdaJson.Parse($$"""{"Records":[{{Samples.SqsMessage("m1", "one")}},null]}""", LambdaEventsJsonContext.Default.SqsEvent);

        Func<Task> process = () => new SqsBatchProcessor(_sqs, deadLetterQueueUrl: null, _log.Log).ProcessAsync(batch, m => { handled.Add(m.MessageId); return Task.CompletedTask; });

        (await process.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("Records[1] is null");
        handled.Should().BeEmpty("nothing runs twice when the batch comes back");
    }

    [Fact]
    public async Task A_null_record_that_cannot_be_sent_fails_the_batch_before_any_message_runs()
    {
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new AmazonSQSException("unavailable"));
        var handled = new List<string>();
        SqsEvent batch = LambdaJson.Parse($$"""{"Records":[{{Samples.SqsMessage("m1", "one")}},null]}""", LambdaEventsJsonContext.Default.SqsEvent);

        Func<Task> process = () => new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log).ProcessAsync(batch, m => { handled.Add(m.MessageId); return Task.CompletedTask; });

        await process.Should().ThrowAsync<InvalidOperationException>();
        handled.Should().BeEmpty();
    }

    [Fact]
    public async Task A_stream_batch_sends_a_null_record_to_the_dead_letter_queue_and_processes_the_others_in_order()
    {
        var handled = new List<string>();
        DynamoDbStreamEvent batch = LambdaJson.Parse(
            $$"""{"Records":[null,{{Samples.LedgerStreamRecord("100", "incoming/a.txt")}},null,{{Samples.LedgerStreamRecord("200", "incoming/b.txt")}}]}""",
            LambdaEventsJsonContext.Default.DynamoDbStreamEvent);

        BatchResponse response = await new StreamBatchProcessor(_log.Log, new DeadLetterForwarder(_sqs, Samples.DeadLetterQueueUrl, _log.Log))
            .ProcessAsync(batch, r => { handled.Add(r.Dynamodb.SequenceNumber); return Task.CompletedTask; });

        handled.Should().Equal("100", "200");
        response.BatchItemFailures.Should().BeEmpty();
        _sent.Select(r => r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue).Should().Equal(
            "Records[0] is null: an event record must be an object",
            "Records[2] is null: an event record must be an object");
    }

    [Fact]
    public async Task A_stream_batch_without_a_dead_letter_queue_rejects_a_null_record_as_bad_input()
    {
        DynamoDbStreamEvent batch = LambdaJson.Parse("""{"Records":[null]}""", LambdaEventsJsonContext.Default.DynamoDbStreamEvent);

        Func<Task> process = () => new StreamBatchProcessor(_log.Log).ProcessAsync(batch, _ => Task.CompletedTask);

        await process.Should().ThrowAsync<BadInputException>();
    }

    [Theory]
    [InlineData(Strategy.KeyFilter)]
    [InlineData(Strategy.ProcessedLedger)]
    public async Task The_processor_sends_a_batch_of_only_null_records_to_the_dead_letter_queue_for_either_source(Strategy strategy)
    {
        var settings = new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), strategy, Samples.Bucket, strategy == Strategy.KeyFilter ? "processed/" : "", Samples.DeadLetterQueueUrl);

        Stream output = await new ContentStampProcessor(Substitute.For<IAmazonS3>(), _sqs, settings, _log.Log).HandleAsync(Samples.Utf8("""{"Records":[null]}"""));

        Samples.ReadAll(output).Should().Be("""{"batchItemFailures":[]}""");
        _sent.Should().ContainSingle().Which.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should().Contain("Records[0] is null");
    }

    [Fact]
    public async Task An_S3_notification_with_a_null_record_in_a_queue_message_goes_to_the_dead_letter_queue()
    {
        var settings = new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), Strategy.KeyFilter, Samples.Bucket, "processed/", Samples.DeadLetterQueueUrl);
        string body = """{"Records":[null]}""";

        Stream output = await new ContentStampProcessor(Substitute.For<IAmazonS3>(), _sqs, settings, _log.Log).HandleAsync(Samples.Utf8(Samples.SqsEvent(Samples.SqsMessage("m1", body))));

        Samples.ReadAll(output).Should().Be("""{"batchItemFailures":[]}""");
        SendMessageRequest dead = _sent.Should().ContainSingle().Subject;
        dead.MessageBody.Should().Be(body);
        dead.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Should().Contain("null entry at $.Records[0]");
        dead.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue.Should().Be("m1");
    }

    [Fact]
    public async Task The_guard_rejects_an_S3_event_with_a_null_record_as_bad_input()
    {
        var guard = new ObjectMetadataGuard(Substitute.For<IAmazonS3>(), _sqs, new GuardSettings(new SourceScope(Samples.Bucket, "incoming/"), Samples.WorkQueueUrl, "original", "true"), _log.Log);

        Func<Task> handle = () => guard.HandleAsync(Samples.Utf8("""{"Records":[null]}"""));

        (await handle.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("$.Records[0]");
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("bad input");
    }

    [Fact]
    public void A_null_property_value_is_not_an_entry_and_parses_as_before()
    {
        EventSourceProbe probe = LambdaJson.Parse("""{"Records":[{"eventSource":null}],"other":{"x":null}}""", LambdaEventsJsonContext.Default.EventSourceProbe);

        probe.Records.Should().ContainSingle().Which!.EventSource.Should().BeNull();
    }
}
