using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using NSubstitute;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class ContentStampProcessorTests
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string QuotedETag = "\"" + Samples.ETag + "\"";
    private static readonly byte[] JsonContent = Encoding.UTF8.GetBytes("""{"customer":"Ana","secret":"s3cr3t-value"}""");

    private readonly IAmazonS3 _s3 = Substitute.For<IAmazonS3>();
    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly TestLog _log = new();

    [Fact]
    public async Task KeyFilter_stamps_the_object_under_the_output_prefix_keeping_the_path()
    {
        _s3.HasContent(JsonContent, contentType: "text/plain");
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/a/b/c+d.json")))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        await _s3.Received(1).GetObjectAsync(Arg.Is<GetObjectRequest>(r => r.BucketName == Samples.Bucket && r.Key == "incoming/a/b/c d.json"), Arg.Any<CancellationToken>());
        CopyObjectRequest copy = copies.Should().ContainSingle().Subject;
        copy.SourceBucket.Should().Be(Samples.Bucket);
        copy.SourceKey.Should().Be("incoming/a/b/c d.json");
        copy.DestinationBucket.Should().Be(Samples.Bucket);
        copy.DestinationKey.Should().Be("processed/a/b/c d.json");
        copy.MetadataDirective.Should().Be(S3MetadataDirective.REPLACE);
        copy.ContentType.Should().Be("application/json");
        copy.Metadata["sha256"].Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(JsonContent)));
        copy.Metadata["detected-type"].Should().Be("application/json");
        copy.Metadata["source-etag"].Should().Be(Samples.ETag);
        copy.Metadata.Keys.Should().HaveCount(3, "the original marker is never carried over");
        copy.ETagToMatch.Should().Be(QuotedETag, "an unversioned source is pinned to the bytes that were hashed");
        copy.SourceVersionId.Should().BeNull();
        copy.IfMatch.Should().BeNull("the output is a different key");
    }

    [Fact]
    public async Task SeparateBucket_writes_to_the_output_bucket()
    {
        _s3.HasContent(JsonContent);
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        await Handle(Strategy.SeparateBucket, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/x.json")))));

        copies.Single().Should().Match<CopyObjectRequest>(c => c.DestinationBucket == "results-bucket" && c.DestinationKey == "stamped/x.json");
    }

    [Fact]
    public async Task ObjectMetadata_stamps_in_place_pinned_to_the_version_and_only_if_unchanged()
    {
        _s3.HasContent(JsonContent);
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        await Handle(Strategy.ObjectMetadata, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/x.json", versionId: "v3")))));

        await _s3.Received(1).GetObjectAsync(Arg.Is<GetObjectRequest>(r => r.VersionId == "v3"), Arg.Any<CancellationToken>());
        CopyObjectRequest copy = copies.Single();
        (copy.DestinationBucket, copy.DestinationKey).Should().Be((Samples.Bucket, "incoming/x.json"));
        copy.SourceVersionId.Should().Be("v3");
        copy.ETagToMatch.Should().BeNull();
        copy.IfMatch.Should().Be(QuotedETag, "a newer upload at the same key must never be overwritten");
        copy.Metadata.Keys.Select(k => k.ToUpperInvariant()).Should().NotContain(k => k.Contains("ORIGINAL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_zero_byte_object_is_stamped_with_the_hash_of_nothing()
    {
        _s3.HasContent([]);
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/empty.txt", size: 0)))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        copies.Single().Metadata["sha256"].Should().Be(EmptySha256);
        copies.Single().ContentType.Should().Be("application/octet-stream");
    }

    [Fact]
    public async Task The_log_never_contains_object_contents()
    {
        _s3.HasContent(JsonContent);
        _s3.RecordCopies();

        await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/x.json")))));

        JsonElement stamped = _log.At("INFO").Single(l => l.GetProperty("message").GetString() == "object stamped");
        stamped.GetProperty("messageId").GetString().Should().Be("m1");
        stamped.GetProperty("outputKey").GetString().Should().Be("processed/x.json");
        stamped.GetProperty("size").GetInt64().Should().Be(JsonContent.Length);
        stamped.GetProperty("claimedType").GetString().Should().Be("binary/octet-stream");
        _log.Text.Should().NotContain("s3cr3t-value").And.NotContain("Ana");
    }

    [Fact]
    public async Task A_deleted_object_is_skipped_with_a_warning_and_not_retried()
    {
        _s3.GetFails(S3Fakes.NoSuchKey);

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/gone.txt")))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        await _s3.DidNotReceiveWithAnyArgs().CopyObjectAsync(default!, default);
        _log.Messages("WARN").Should().ContainSingle().Which.Should().Contain("no longer exists");
    }

    [Fact]
    public async Task An_object_deleted_before_the_copy_is_skipped()
    {
        _s3.HasContent(JsonContent);
        _s3.CopyFails(S3Fakes.NoSuchKey);

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/x.json")))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        _log.Messages("WARN").Should().ContainSingle().Which.Should().Contain("deleted while being processed");
    }

    [Fact]
    public async Task An_object_replaced_during_processing_is_left_to_its_own_event()
    {
        _s3.HasContent(JsonContent);
        _s3.CopyFails(S3Fakes.PreconditionFailed);

        string response = await Handle(Strategy.ObjectMetadata, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/x.json")))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        _log.Messages("INFO").Should().Contain(m => m!.Contains("replaced while being processed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transient_S3_error_fails_only_that_message()
    {
        _s3.HasContent(JsonContent);
        _s3.RecordCopies();
        _s3.GetObjectAsync(Arg.Is<GetObjectRequest>(r => r.Key == "incoming/2.txt"), Arg.Any<CancellationToken>())
            .Returns(Task.FromException<GetObjectResponse>(S3Fakes.Error("InternalError", HttpStatusCode.InternalServerError)));

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(
            ("m1", Samples.S3Event(Samples.S3Record("incoming/1.txt"))),
            ("m2", Samples.S3Event(Samples.S3Record("incoming/2.txt"))),
            ("m3", Samples.S3Event(Samples.S3Record("incoming/3.txt")))));

        response.Should().Be("""{"batchItemFailures":[{"itemIdentifier":"m2"}]}""");
        await _s3.Received(2).CopyObjectAsync(Arg.Any<CopyObjectRequest>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData("this is not JSON")]
    [InlineData("{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{}}]}")]
    [InlineData("{\"Records\":[]}")]
    public async Task A_body_that_is_not_an_S3_notification_goes_to_the_dead_letter_queue(string body)
    {
        var forwarded = new List<SendMessageRequest>();
        _sqs.SendMessageAsync(Arg.Do<SendMessageRequest>(forwarded.Add), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());

        string response = await Handle(Strategy.KeyFilter, SqsEventOf(("m1", body)));

        response.Should().Be("""{"batchItemFailures":[]}""");
        SendMessageRequest message = forwarded.Should().ContainSingle().Subject;
        message.QueueUrl.Should().Be(Samples.DeadLetterQueueUrl);
        message.MessageBody.Should().Be(body);
        message.MessageAttributes["patterns-cdk-reason"].StringValue.Should().NotBeNullOrEmpty();
        message.MessageAttributes["patterns-cdk-source-message-id"].StringValue.Should().Be("m1");
        _s3.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task A_malformed_key_sends_the_message_to_the_dead_letter_queue_before_any_record_is_processed()
    {
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());

        await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/ok.txt"), Samples.S3Record("incoming/%ZZ.txt")))));

        _s3.ReceivedCalls().Should().BeEmpty();
        await _sqs.Received(1).SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_object_too_large_to_copy_is_bad_input()
    {
        _s3.HasContent(JsonContent, contentLength: ContentStampProcessor.MaxObjectBytes + 1);
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>()).Returns(new SendMessageResponse());

        await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/huge.bin")))));

        await _s3.DidNotReceiveWithAnyArgs().CopyObjectAsync(default!, default);
        await _sqs.Received(1).SendMessageAsync(
            Arg.Is<SendMessageRequest>(r => r.MessageAttributes["patterns-cdk-reason"].StringValue.Contains("at most", StringComparison.Ordinal)),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_body_with_several_records_processes_each()
    {
        _s3.HasContent(JsonContent);
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        await Handle(Strategy.KeyFilter, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/1.txt"), Samples.S3Record("incoming/2.txt")))));

        copies.Select(c => c.DestinationKey).Should().Equal("processed/1.txt", "processed/2.txt");
    }

    [Fact]
    public async Task The_S3_test_event_and_out_of_scope_records_are_skipped_without_S3_calls()
    {
        string response = await Handle(Strategy.KeyFilter, SqsEventOf(
            ("m1", Samples.S3TestEvent),
            ("m2", Samples.S3Event(Samples.S3Record("processed/1.txt"))),
            ("m3", Samples.S3Event(Samples.S3Record("incoming/1.txt", bucket: "other-bucket")))));

        response.Should().Be("""{"batchItemFailures":[]}""");
        _s3.ReceivedCalls().Should().BeEmpty();
        _log.Messages("ERROR").Should().HaveCount(2);
        _log.Messages("INFO").Should().Contain(m => m!.Contains("test event", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessedLedger_stamps_each_inserted_revision_in_place()
    {
        _s3.HasContent(JsonContent);
        List<CopyObjectRequest> copies = _s3.RecordCopies();

        string response = await Handle(Strategy.ProcessedLedger, Samples.StreamEvent(
            Samples.LedgerStreamRecord("100", "incoming/a.json", versionId: "v1"),
            Samples.LedgerStreamRecord("200", "incoming/b.json")));

        response.Should().Be("""{"batchItemFailures":[]}""");
        copies.Select(c => (c.DestinationBucket, c.DestinationKey, (string?)c.SourceVersionId)).Should().Equal(
            (Samples.Bucket, "incoming/a.json", "v1"),
            (Samples.Bucket, "incoming/b.json", null));
        copies.Should().OnlyContain(c => c.IfMatch == QuotedETag);
    }

    [Theory]
    [InlineData("MODIFY")]
    [InlineData("REMOVE")]
    public async Task ProcessedLedger_skips_changes_that_are_not_inserts(string eventName)
    {
        string response = await Handle(Strategy.ProcessedLedger, Samples.StreamEvent(Samples.LedgerStreamRecord("100", "incoming/a.json", eventName: eventName)));

        response.Should().Be("""{"batchItemFailures":[]}""");
        _s3.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task ProcessedLedger_reports_a_failed_record_by_sequence_number()
    {
        _s3.GetFails(S3Fakes.SlowDown);

        string response = await Handle(Strategy.ProcessedLedger, Samples.StreamEvent(Samples.LedgerStreamRecord("4421584500000000017450439091", "incoming/a.json")));

        response.Should().Be("""{"batchItemFailures":[{"itemIdentifier":"4421584500000000017450439091"}]}""");
    }

    [Fact]
    public async Task ProcessedLedger_reports_a_ledger_item_outside_the_scope_as_skipped()
    {
        string response = await Handle(Strategy.ProcessedLedger, Samples.StreamEvent(Samples.LedgerStreamRecord("100", "a.json", bucket: "other-bucket")));

        response.Should().Be("""{"batchItemFailures":[]}""");
        _s3.ReceivedCalls().Should().BeEmpty();
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("not for this processor");
    }

    [Fact]
    public async Task An_event_from_a_source_the_strategy_does_not_use_is_rejected()
    {
        Func<Task> handle = () => Handle(Strategy.ProcessedLedger, SqsEventOf(("m1", Samples.S3Event(Samples.S3Record("incoming/a.json")))));

        (await handle.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("aws:sqs");
        _s3.ReceivedCalls().Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"Records\": [")]
    [InlineData("{\"Records\": [{\"eventSource\":\"aws:sqs\"}]}")]
    public async Task An_unreadable_batch_is_rejected_as_bad_input(string payload)
    {
        Func<Task> handle = () => Handle(Strategy.KeyFilter, payload);

        await handle.Should().ThrowAsync<BadInputException>();
        _log.Messages("ERROR").Should().ContainSingle();
    }

    private async Task<string> Handle(Strategy strategy, string payload)
    {
        var settings = strategy switch
        {
            Strategy.SeparateBucket => new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), strategy, "results-bucket", "stamped/", Samples.DeadLetterQueueUrl),
            Strategy.KeyFilter => new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), strategy, Samples.Bucket, "processed/", Samples.DeadLetterQueueUrl),
            Strategy.ObjectMetadata => new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), strategy, Samples.Bucket, "", Samples.DeadLetterQueueUrl),
            _ => new ProcessorSettings(new SourceScope(Samples.Bucket, "incoming/"), strategy, Samples.Bucket, "", null),
        };
        Stream output = await new ContentStampProcessor(_s3, _sqs, settings, _log.Log).HandleAsync(Samples.Utf8(payload));
        return Samples.ReadAll(output);
    }

    private static string SqsEventOf(params (string MessageId, string Body)[] messages) =>
        Samples.SqsEvent(messages.Select(m => Samples.SqsMessage(m.MessageId, m.Body)).ToArray());
}
