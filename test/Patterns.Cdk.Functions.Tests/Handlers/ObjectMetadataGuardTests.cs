using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class ObjectMetadataGuardTests
{
    private readonly IAmazonS3 _s3 = Substitute.For<IAmazonS3>();
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly TestLog _log = new();
    private readonly List<SendMessageRequest> _sent = [];

    public ObjectMetadataGuardTests()
    {
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(_sent.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());
    }

    [Fact]
    public async Task An_original_is_forwarded_as_a_one_record_S3_notification()
    {
        _s3.HasMetadata(("x-amz-meta-original", "true"));
        string record = Samples.S3Record("incoming/holiday+photo%2B1.jpg", versionId: "v1");

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(record)));

        await _s3.Received(1).GetObjectMetadataAsync(
            Arg.Is<GetObjectMetadataRequest>(r => r.BucketName == Samples.Bucket && r.Key == "incoming/holiday photo+1.jpg" && r.VersionId == "v1"),
            Arg.Any<CancellationToken>());
        SendMessageRequest message = _sent.Should().ContainSingle().Subject;
        message.QueueUrl.Should().Be(Samples.WorkQueueUrl);
        S3Notification forwarded = S3Notification.Parse(message.MessageBody);
        forwarded.Records.Should().ContainSingle().Which.Should().BeEquivalentTo(S3Notification.Parse(Samples.S3Event(record)).Records[0]);
        message.MessageBody.Should().StartWith("""{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",""");
        _log.Messages("INFO").Should().Contain("original object; forwarding it to the work queue");
    }

    [Theory]
    [InlineData("x-amz-meta-Original", "true")]
    [InlineData("ORIGINAL", "true")]
    public async Task The_marker_key_is_found_in_any_case(string key, string value)
    {
        _s3.HasMetadata((key, value));

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        _sent.Should().ContainSingle();
    }

    [Theory]
    [InlineData("x-amz-meta-sha256", "abc")]
    [InlineData("x-amz-meta-original", "false")]
    [InlineData("x-amz-meta-original", "True")]
    public async Task An_object_without_the_marker_is_not_processed(string key, string value)
    {
        _s3.HasMetadata((key, value));

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        _sent.Should().BeEmpty();
        _log.Messages("INFO").Should().Contain("not an original (no marker) — not processed");
    }

    [Fact]
    public async Task A_configured_marker_is_used()
    {
        _s3.HasMetadata(("x-amz-meta-source", "camera"));
        var settings = new GuardSettings(new SourceScope(Samples.Bucket, "incoming/"), Samples.WorkQueueUrl, "source", "camera");

        await new ObjectMetadataGuard(_s3, _sqs, settings, _log.Log).HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        _sent.Should().ContainSingle();
    }

    [Fact]
    public async Task A_deleted_object_is_skipped_with_a_warning()
    {
        _s3.HeadFails(S3Fakes.HeadNotFound);

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        _sent.Should().BeEmpty();
        _log.Messages("WARN").Should().ContainSingle().Which.Should().Contain("no longer exists");
    }

    [Theory]
    [InlineData("other-bucket", "incoming/a.txt", "ObjectCreated:Put")]
    [InlineData(Samples.Bucket, "outgoing/a.txt", "ObjectCreated:Put")]
    [InlineData(Samples.Bucket, "incoming/a.txt", "ObjectRemoved:Delete")]
    public async Task A_record_outside_the_source_scope_is_skipped_without_calling_S3(string bucket, string key, string eventName)
    {
        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record(key, bucket: bucket, eventName: eventName))));

        _s3.ReceivedCalls().Should().BeEmpty();
        _sqs.ReceivedCalls().Should().BeEmpty();
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("not for this handler");
    }

    [Fact]
    public async Task The_S3_test_event_is_skipped_with_info()
    {
        await Guard().HandleAsync(Samples.Utf8(Samples.S3TestEvent));

        _s3.ReceivedCalls().Should().BeEmpty();
        _log.Messages("INFO").Should().ContainSingle().Which.Should().Contain("test event");
    }

    [Theory]
    [InlineData("{\"Records\": [")]
    [InlineData("{\"hello\":\"world\"}")]
    public async Task Malformed_input_throws_bad_input_after_logging_it(string payload)
    {
        Func<Task> handle = () => Guard().HandleAsync(Samples.Utf8(payload));

        await handle.Should().ThrowAsync<BadInputException>();
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("bad input");
        _s3.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task A_transient_S3_failure_throws_so_Lambda_retries_and_nothing_is_forwarded()
    {
        _s3.HeadFails(S3Fakes.SlowDown);

        Func<Task> handle = () => Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        (await handle.Should().ThrowAsync<AmazonS3Exception>()).Which.ErrorCode.Should().Be("SlowDown");
        _sqs.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task Several_originals_are_forwarded_in_batches_of_ten()
    {
        _s3.HasMetadata(("x-amz-meta-original", "true"));
        var batches = new List<SendMessageBatchRequest>();
        _sqs.SendMessageBatchAsync(Arg.Do<SendMessageBatchRequest>(batches.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageBatchResponse());
        string[] records = Enumerable.Range(0, 12).Select(i => Samples.S3Record($"incoming/{i}.txt")).ToArray();

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(records)));

        batches.Select(b => b.Entries.Count).Should().Equal(10, 2);
        batches.SelectMany(b => b.Entries).Select(e => S3Notification.Parse(e.MessageBody).Records.Single().S3.Object.Key)
            .Should().Equal(Enumerable.Range(0, 12).Select(i => $"incoming/{i}.txt"));
        batches[0].Entries.Select(e => e.Id).Should().OnlyHaveUniqueItems();
        _sent.Should().BeEmpty();
    }

    [Fact]
    public async Task A_partially_rejected_batch_throws_so_the_event_is_retried()
    {
        _s3.HasMetadata(("x-amz-meta-original", "true"));
        _sqs.SendMessageBatchAsync(Arg.Any<SendMessageBatchRequest>(), Arg.Any<CancellationToken>()).Returns(new SendMessageBatchResponse
        {
            Failed = [new BatchResultErrorEntry { Id = "1", Code = "InternalError", SenderFault = false }],
        });

        Func<Task> handle = () => Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"), Samples.S3Record("incoming/b.txt"))));

        (await handle.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("1 of 2");
    }

    [Fact]
    public async Task Only_originals_among_several_records_are_forwarded()
    {
        _s3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var response = new GetObjectMetadataResponse();
            if (call.Arg<GetObjectMetadataRequest>().Key == "incoming/original.txt")
            {
                response.Metadata.Add("x-amz-meta-original", "true");
            }

            return response;
        });

        await Guard().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/output.txt"), Samples.S3Record("incoming/original.txt"))));

        S3Notification.Parse(_sent.Single().MessageBody).Records.Single().S3.Object.Key.Should().Be("incoming/original.txt");
    }

    [Fact]
    public async Task An_object_written_by_the_processor_is_recognised_from_the_event_without_a_HeadObject()
    {
        _s3.HasMetadata(("x-amz-meta-original", "true"));
        var guard = new ObjectMetadataGuard(_s3, _sqs,
            new GuardSettings(new SourceScope(Samples.Bucket, "incoming/"), Samples.WorkQueueUrl, "original", "true", Samples.ProcessorRoleId), _log.Log);

        await guard.HandleAsync(Samples.Utf8(Samples.S3Event(
            Samples.S3Record("incoming/output.txt", principalId: Samples.ProcessorPrincipal),
            Samples.S3Record("incoming/upload.txt"))));

        await _s3.Received(1).GetObjectMetadataAsync(Arg.Is<GetObjectMetadataRequest>(r => r.Key == "incoming/upload.txt"), Arg.Any<CancellationToken>());
        await _s3.DidNotReceive().GetObjectMetadataAsync(Arg.Is<GetObjectMetadataRequest>(r => r.Key == "incoming/output.txt"), Arg.Any<CancellationToken>());
        S3Notification.Parse(_sent.Single().MessageBody).Records.Single().S3.Object.Key.Should().Be("incoming/upload.txt");
    }

    private ObjectMetadataGuard Guard() =>
        new(_s3, _sqs, new GuardSettings(new SourceScope(Samples.Bucket, "incoming/"), Samples.WorkQueueUrl, "original", "true"), _log.Log);
}
