using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using FluentAssertions;
using NSubstitute;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.Tests.Support;
using Xunit;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>
/// The consumer on a page's last receive: whatever fails — the processor, or the progress write after it — the page is
/// recorded PROCESSING_FAILED before the message moves to the dead-letter queue, so the job's counts become final.
/// Found by the ApiPoller conservation run (fault rate 0.3, seed 4): a COMPLETED write that failed on the third receive
/// left the page ENQUEUED for ever while its pointer sat in the dead-letter queue, and the job never completed.
/// </summary>
public class ConsumerLastReceiveTests
{
    private const string JobId = "0123456789abcdef0123456789abcdef";
    private const int Page = 7;

    private readonly IAmazonDynamoDB _dynamoDb = Substitute.For<IAmazonDynamoDB>();
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly List<string> _movedTo = [];
    private readonly TestLog _log = new();

    /// <summary>Records every state move; the second one (ENQUEUED → COMPLETED) fails with a DynamoDB 500.</summary>
    private void FailTheSecondStateWrite()
    {
        int writes = 0;
        _dynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            _movedTo.Add(call.Arg<UpdateItemRequest>().ExpressionAttributeValues[":to"].N);
            return ++writes == 2
                ? throw new AmazonDynamoDBException("down", ErrorType.Receiver, "InternalServerError", "r", HttpStatusCode.InternalServerError)
                : Task.FromResult(new UpdateItemResponse());
        });
    }

    [Fact]
    public async Task A_completed_write_that_fails_on_the_last_receive_records_PROCESSING_FAILED_and_fails_the_message()
    {
        FailTheSecondStateWrite();

        JsonElement response = await HandleAsync(receiveCount: 3);

        response.GetProperty("batchItemFailures")[0].GetProperty("itemIdentifier").GetString().Should().Be("m1");
        _movedTo.Should().Equal("20", "30", "32"); // ENQUEUED, COMPLETED (failed), PROCESSING_FAILED
        _log.Messages("ERROR").Should().Contain("page processing failed for the last time; recorded as PROCESSING_FAILED");
    }

    [Fact]
    public async Task The_same_failure_on_an_earlier_receive_only_fails_the_message()
    {
        FailTheSecondStateWrite();

        JsonElement response = await HandleAsync(receiveCount: 2);

        response.GetProperty("batchItemFailures").GetArrayLength().Should().Be(1);
        _movedTo.Should().Equal("20", "30");
    }

    [Fact]
    public async Task A_first_write_that_fails_on_the_last_receive_records_PROCESSING_FAILED_without_processing()
    {
        int writes = 0;
        var processor = new CountingProcessor();
        _dynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            _movedTo.Add(call.Arg<UpdateItemRequest>().ExpressionAttributeValues[":to"].N);
            return ++writes == 1
                ? throw new AmazonDynamoDBException("throttled", ErrorType.Sender, "ThrottlingException", "r", HttpStatusCode.BadRequest)
                : Task.FromResult(new UpdateItemResponse());
        });

        JsonElement response = await HandleAsync(receiveCount: 3, processor);

        response.GetProperty("batchItemFailures").GetArrayLength().Should().Be(1);
        _movedTo.Should().Equal("20", "32");
        processor.Runs.Should().Be(0);
    }

    [Fact]
    public async Task When_PROCESSING_FAILED_cannot_be_written_either_the_message_still_fails_and_the_log_says_so()
    {
        _dynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>())
            .Returns<Task<UpdateItemResponse>>(_ => throw new AmazonDynamoDBException("down", ErrorType.Receiver, "InternalServerError", "r", HttpStatusCode.InternalServerError));

        JsonElement response = await HandleAsync(receiveCount: 3);

        response.GetProperty("batchItemFailures").GetArrayLength().Should().Be(1);
        _log.Messages("ERROR").Should().Contain("page processing failed for the last time and PROCESSING_FAILED could not be recorded; the page stays ENQUEUED");
    }

    [Fact]
    public async Task With_a_dead_letter_queue_the_last_receive_records_PROCESSING_FAILED_and_sends_the_pointer_there_with_its_reason()
    {
        var sent = new List<SendMessageRequest>();
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(sent.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());
        _dynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            _movedTo.Add(call.Arg<UpdateItemRequest>().ExpressionAttributeValues[":to"].N);
            return Task.FromResult(new UpdateItemResponse());
        });

        JsonElement response = await HandleAsync(receiveCount: 3, new FailingProcessor(), DeadLetters);

        response.GetProperty("batchItemFailures").GetArrayLength().Should().Be(0, "the handler moved it with its reason");
        _movedTo.Should().Equal("20", "32"); // ENQUEUED, PROCESSING_FAILED
        SendMessageRequest dead = sent.Should().ContainSingle().Subject;
        dead.QueueUrl.Should().Be(DeadLetters);
        dead.MessageBody.Should().Contain(JobId);
        dead.MessageAttributes["patterns-cdk-reason"].StringValue.Should().StartWith("retries exhausted after 3 receives").And.Contain("partner page rejected");
        dead.MessageAttributes["patterns-cdk-source-message-id"].StringValue.Should().Be("m1");
    }

    [Fact]
    public async Task With_a_dead_letter_queue_an_earlier_receive_only_fails_the_message()
    {
        _dynamoDb.UpdateItemAsync(Arg.Any<UpdateItemRequest>(), Arg.Any<CancellationToken>()).Returns(new UpdateItemResponse());

        JsonElement response = await HandleAsync(receiveCount: 2, new FailingProcessor(), DeadLetters);

        response.GetProperty("batchItemFailures").GetArrayLength().Should().Be(1);
        await _sqs.DidNotReceiveWithAnyArgs().SendMessageAsync(default(SendMessageRequest)!, default);
    }

    private const string DeadLetters = "https://sqs.us-east-1.amazonaws.com/111111111111/consumer-dlq";

    private async Task<JsonElement> HandleAsync(int receiveCount, IPageProcessor? processor = null, string? deadLetterQueueUrl = null)
    {
        var settings = new ConsumerSettings
        {
            Progress = new ProgressSettings("progress", 7),
            PayloadBucket = "payloads",
            MaxReceiveCount = 3,
            Region = "us-east-1",
            DeadLetterQueueUrl = deadLetterQueueUrl,
        };
        var consumer = new TaskConsumer(
            new ProgressStore(_dynamoDb, settings.Progress, new FixedClock(FixedClock.DefaultNow)),
            _sqs,
            processor ?? new CountingProcessor(),
            settings,
            _log.Log);
        string pointer = $$"""{"jobId":"{{JobId}}","source":"orders","page":7,"bucket":"payloads","key":"{{PageStore.PageKey(JobId, Page)}}","bytes":10}""";
        string batch = $$"""{"Records":[{"messageId":"m1","receiptHandle":"h","body":"{{pointer.Replace("\"", "\\\"", StringComparison.Ordinal)}}","attributes":{"ApproximateReceiveCount":"{{receiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}"},"eventSource":"aws:sqs"}]}""";
        Stream output = await consumer.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(batch)));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private sealed class FailingProcessor : IPageProcessor
    {
        public Task ProcessAsync(PagePointer page, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("partner page rejected by the processor");
    }

    private sealed class CountingProcessor : IPageProcessor
    {
        public int Runs { get; private set; }

        public Task ProcessAsync(PagePointer page, CancellationToken cancellationToken)
        {
            Runs++;
            return Task.CompletedTask;
        }
    }
}
