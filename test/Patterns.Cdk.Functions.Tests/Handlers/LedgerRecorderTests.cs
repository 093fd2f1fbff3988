using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Patterns.Cdk.Functions.RecursionSafeS3Processor;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.Handlers;

public class LedgerRecorderTests
{
    private const int TtlSeconds = 86_400;
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    private readonly IAmazonDynamoDB _dynamoDb = Substitute.For<IAmazonDynamoDB>();
    private readonly TestLog _log = new();
    private readonly List<PutItemRequest> _puts = [];

    public LedgerRecorderTests()
    {
        _dynamoDb.PutItemAsync(Arg.Do<PutItemRequest>(_puts.Add), Arg.Any<CancellationToken>()).Returns(new PutItemResponse());
    }

    [Fact]
    public async Task A_new_upload_is_recorded_once_with_a_conditional_put()
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/caf%C3%A9+menu.pdf", versionId: "v-42", size: 2048))));

        PutItemRequest put = _puts.Should().ContainSingle().Subject;
        put.TableName.Should().Be("ledger");
        put.ConditionExpression.Should().Be("attribute_not_exists(objectId)");
        put.Item.ToDictionary(a => a.Key, a => a.Value.S ?? a.Value.N).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["objectId"] = "uploads-bucket/incoming/café menu.pdf",
            ["revision"] = "v-42",
            ["bucket"] = "uploads-bucket",
            ["key"] = "incoming/café menu.pdf",
            ["eTag"] = Samples.ETag,
            ["versionId"] = "v-42",
            ["size"] = "2048",
            ["sequencer"] = "0C0F6F405D6ED209E1",
            ["recordedAt"] = "2025-03-14T15:09:26.535Z",
            ["expiresAt"] = "1742051366",
        });
        put.Item["size"].N.Should().NotBeNull("size is a number attribute");
        put.Item["expiresAt"].N.Should().NotBeNull("TTL needs a number attribute");
        _log.Messages("INFO").Should().Contain("new revision recorded for processing");
    }

    [Fact]
    public async Task The_TTL_is_in_epoch_seconds_from_the_injected_clock()
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        long expiresAt = long.Parse(_puts.Single().Item["expiresAt"].N, System.Globalization.CultureInfo.InvariantCulture);
        expiresAt.Should().Be(Now.ToUnixTimeSeconds() + TtlSeconds).And.BeLessThan(10_000_000_000, "milliseconds would be 13 digits");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public async Task Without_a_version_the_revision_is_the_ETag_and_the_event_sequencer(string? versionId)
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt", versionId: versionId, eTag: "0123abcd-2"))));

        Dictionary<string, AttributeValue> item = _puts.Single().Item;
        item["revision"].S.Should().Be("0123abcd-2@0C0F6F405D6ED209E1");
        item.Should().NotContainKey("versionId");
    }

    [Fact]
    public async Task Unversioned_a_re_upload_of_the_same_bytes_is_a_new_revision_and_a_redelivery_is_not()
    {
        // The conservation run found it: keyed by ETag alone, the same bytes uploaded again (which replace the in-place
        // output with the unstamped original) were taken for a duplicate delivery and never processed again.
        string first = Samples.S3Record("incoming/a.txt", eTag: "0123abcd-2");
        string again = first.Replace("0C0F6F405D6ED209E1", "0C0F6F405D6ED209F7", StringComparison.Ordinal);

        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(first)));
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(first)));
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(again)));

        _puts.Select(p => p.Item["revision"].S).Should().Equal("0123abcd-2@0C0F6F405D6ED209E1", "0123abcd-2@0C0F6F405D6ED209E1", "0123abcd-2@0C0F6F405D6ED209F7");
        _puts.Should().OnlyContain(p => p.ConditionExpression == "attribute_not_exists(objectId)", "the table's key (objectId, revision) absorbs the redelivery");
    }

    [Fact]
    public async Task Unversioned_without_a_sequencer_the_revision_is_the_ETag()
    {
        string record = System.Text.RegularExpressions.Regex.Replace(Samples.S3Record("incoming/a.txt", eTag: "0123abcd-2"), ",\\s*\"sequencer\":\\s*\"[0-9A-F]+\"", "");
        record.Should().NotContain("sequencer");

        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(record)));

        _puts.Single().Item["revision"].S.Should().Be("0123abcd-2");
    }

    [Fact]
    public async Task An_object_written_by_the_processor_role_is_not_recorded()
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt", principalId: Samples.ProcessorPrincipal))));

        _dynamoDb.ReceivedCalls().Should().BeEmpty();
        _log.Messages("INFO").Should().Contain("written by the processor; not recorded");
    }

    [Fact]
    public async Task A_reupload_by_anyone_else_is_recorded()
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt", principalId: "AWS:AROAOTHERROLEID1234:someone"))));

        _puts.Should().ContainSingle();
    }

    [Fact]
    public async Task A_duplicate_delivery_fails_the_condition_and_is_skipped()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ConditionalCheckFailedException("The conditional request failed"));

        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        _log.Messages("INFO").Should().Contain("revision already recorded (duplicate delivery); skipped");
        _log.At("ERROR").Should().BeEmpty();
    }

    [Fact]
    public async Task A_transient_DynamoDB_failure_throws_so_Lambda_retries()
    {
        _dynamoDb.PutItemAsync(Arg.Any<PutItemRequest>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new AmazonDynamoDBException("throttled", ErrorType.Sender, "ThrottlingException", "r", HttpStatusCode.BadRequest));

        Func<Task> handle = () => Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record("incoming/a.txt"))));

        await handle.Should().ThrowAsync<AmazonDynamoDBException>();
        _log.Messages("ERROR").Should().ContainSingle().Which.Should().Contain("transient");
    }

    [Theory]
    [InlineData("other-bucket", "incoming/a.txt")]
    [InlineData(Samples.Bucket, "processed/a.txt")]
    public async Task A_record_outside_the_source_scope_is_skipped_without_calling_DynamoDB(string bucket, string key)
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3Event(Samples.S3Record(key, bucket: bucket))));

        _dynamoDb.ReceivedCalls().Should().BeEmpty();
        _log.At("ERROR").Should().ContainSingle();
    }

    [Fact]
    public async Task Malformed_input_throws_bad_input()
    {
        Func<Task> handle = () => Recorder().HandleAsync(Samples.Utf8("{\"Records\":[{\"eventName\":\"ObjectCreated:Put\"}]}"));

        (await handle.Should().ThrowAsync<BadInputException>()).Which.Reason.Should().Contain("s3");
        _dynamoDb.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task The_S3_test_event_records_nothing()
    {
        await Recorder().HandleAsync(Samples.Utf8(Samples.S3TestEvent));

        _dynamoDb.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public void A_ledger_item_is_read_back_from_the_stream_image()
    {
        DynamoDbStreamRecord record = LambdaJson.Parse(
            Samples.StreamEvent(Samples.LedgerStreamRecord("1", "incoming/café.txt", versionId: "v9")),
            LambdaEventsJsonContext.Default.DynamoDbStreamEvent).Records[0]!;

        LedgerItem.ReadObject(record.Dynamodb.NewImage).Should().Be(new S3ObjectRef(Samples.Bucket, "incoming/café.txt", "v9", Samples.ETag));
    }

    [Fact]
    public void A_ledger_image_without_a_key_is_bad_input()
    {
        var image = new Dictionary<string, StreamAttributeValue> { ["bucket"] = new() { S = Samples.Bucket }, ["key"] = new() { N = "1" } };

        Action read = () => LedgerItem.ReadObject(image);

        read.Should().Throw<BadInputException>().Which.Reason.Should().Contain("'key'");
    }

    private LedgerRecorder Recorder() =>
        new(_dynamoDb, new LedgerSettings(new SourceScope(Samples.Bucket, "incoming/"), "ledger", TtlSeconds, Samples.ProcessorRoleId), _log.Log, new FixedClock(Now));
}
