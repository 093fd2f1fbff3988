using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class SqsBatchProcessorTests
{
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly TestLog _log = new();

    [Fact]
    public async Task Successful_messages_produce_an_empty_failure_list()
    {
        var handled = new List<string>();

        BatchResponse response = await Processor().ProcessAsync(Batch("m1", "m2"), m => { handled.Add(m.MessageId); return Task.CompletedTask; });

        handled.Should().Equal("m1", "m2");
        response.BatchItemFailures.Should().BeEmpty();
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default!, default);
    }

    [Fact]
    public async Task A_transient_failure_is_reported_and_the_other_messages_still_run()
    {
        var handled = new List<string>();

        BatchResponse response = await Processor().ProcessAsync(Batch("m1", "m2", "m3"), m =>
        {
            handled.Add(m.MessageId);
            return m.MessageId == "m2" ? throw new AmazonServiceException("slow down", ErrorType.Receiver, "SlowDown", "r", HttpStatusCode.ServiceUnavailable) : Task.CompletedTask;
        });

        handled.Should().Equal("m1", "m2", "m3");
        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m2");
        _log.At("WARN").Should().ContainSingle().Which.GetProperty("messageId").GetString().Should().Be("m2");
    }

    [Fact]
    public async Task Bad_input_is_forwarded_to_the_dead_letter_queue_with_its_reason_and_counts_as_handled()
    {
        BatchResponse response = await Processor().ProcessAsync(Batch("m1"), _ => throw new BadInputException("the body is not an S3 notification"));

        response.BatchItemFailures.Should().BeEmpty();
        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r =>
                r.QueueUrl == Samples.DeadLetterQueueUrl
                && r.MessageBody == "body of m1"
                && r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue == "the body is not an S3 notification"
                && r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].DataType == "String"
                && r.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue == "m1"),
            Arg.Any<CancellationToken>());
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("dead-letter queue");
    }

    [Fact]
    public async Task A_failed_forward_is_reported_as_a_batch_item_failure_so_nothing_is_lost()
    {
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new AmazonSQSException("unavailable"));

        BatchResponse response = await Processor().ProcessAsync(Batch("m1", "m2"), m => m.MessageId == "m1" ? throw new BadInputException("bad") : Task.CompletedTask);

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_bad_input_is_reported_as_failed()
    {
        BatchResponse response = await new SqsBatchProcessor(_sqs, deadLetterQueueUrl: null, _log.Log)
            .ProcessAsync(Batch("m1"), _ => throw new BadInputException("bad"));

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default!, default);
    }

    [Fact]
    public async Task A_very_long_reason_is_truncated_for_the_message_attribute()
    {
        await Processor().ProcessAsync(Batch("m1"), _ => throw new BadInputException(new string('r', 5000)));

        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r => r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Length == 1024),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_failure_on_the_last_receive_is_forwarded_with_the_retries_exhausted_reason_and_counts_as_handled()
    {
        BatchResponse response = await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 3)
            .ProcessAsync(BatchAt(3, "m1", "m2"), m => m.MessageId == "m1" ? throw new TimeoutException("the table did not answer") : Task.CompletedTask);

        response.BatchItemFailures.Should().BeEmpty();
        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r =>
                r.QueueUrl == Samples.DeadLetterQueueUrl
                && r.MessageBody == "body of m1"
                && r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue == "retries exhausted after 3 receives: TimeoutException: the table did not answer"
                && r.MessageAttributes[SqsBatchProcessor.SourceMessageIdAttribute].StringValue == "m1"),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_receive_count_above_the_max_also_counts_as_the_last_receive()
    {
        BatchResponse response = await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 3)
            .ProcessAsync(BatchAt(5, "m1"), _ => throw new InvalidOperationException("boom"));

        response.BatchItemFailures.Should().BeEmpty();
        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r => r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue == "retries exhausted after 5 receives: InvalidOperationException: boom"),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_failure_before_the_last_receive_is_reported_and_not_forwarded()
    {
        BatchResponse response = await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 3)
            .ProcessAsync(BatchAt(2, "m1"), _ => throw new TimeoutException("slow"));

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default!, default);
    }

    [Fact]
    public async Task A_failed_forward_on_the_last_receive_is_reported_as_a_batch_item_failure()
    {
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new AmazonSQSException("unavailable"));

        BatchResponse response = await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 3)
            .ProcessAsync(BatchAt(3, "m1", "m2"), m => m.MessageId == "m1" ? throw new TimeoutException("slow") : Task.CompletedTask);

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
        await _sqs.ReceivedWithAnyArgs(1).SendMessageAsync(default!, default);
    }

    [Fact]
    public async Task A_long_retries_exhausted_reason_is_truncated_for_the_message_attribute()
    {
        await new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 1)
            .ProcessAsync(Batch("m1"), _ => throw new TimeoutException(new string('r', 5000)));

        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r =>
                r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.Length == 1024
                && r.MessageAttributes[SqsBatchProcessor.ReasonAttribute].StringValue.StartsWith("retries exhausted after 1 receives: TimeoutException: rrr", StringComparison.Ordinal)),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Without_a_max_receive_count_a_failure_is_reported_on_every_receive()
    {
        BatchResponse response = await Processor().ProcessAsync(BatchAt(1000, "m1"), _ => throw new TimeoutException("slow"));

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default!, default);
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_a_failure_on_the_last_receive_is_reported()
    {
        BatchResponse response = await new SqsBatchProcessor(_sqs, deadLetterQueueUrl: null, _log.Log, maxReceiveCount: 3)
            .ProcessAsync(BatchAt(3, "m1"), _ => throw new TimeoutException("slow"));

        response.BatchItemFailures.Select(f => f.ItemIdentifier).Should().Equal("m1");
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default!, default);
    }

    [Fact]
    public void A_max_receive_count_below_one_is_rejected()
    {
        Action create = () => _ = new SqsBatchProcessor(_sqs, Samples.DeadLetterQueueUrl, _log.Log, maxReceiveCount: 0);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static SqsEvent BatchAt(int receiveCount, params string[] ids) =>
        LambdaJson.Parse(Samples.SqsEvent(ids.Select(id => Samples.SqsMessage(id, $"body of {id}", receiveCount)).ToArray()), LambdaEventsJsonContext.Default.SqsEvent);

    private SqsBatchProcessor Processor() => new(_sqs, Samples.DeadLetterQueueUrl, _log.Log);

    private static SqsEvent Batch(params string[] ids) =>
        LambdaJson.Parse(Samples.SqsEvent(ids.Select(id => Samples.SqsMessage(id, $"body of {id}")).ToArray()), LambdaEventsJsonContext.Default.SqsEvent);
}
