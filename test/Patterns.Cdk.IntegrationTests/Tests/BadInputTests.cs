using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>Bad and unusual input, each with one defined outcome.</summary>
[Collection(UsesEmulators.Name)]
public sealed class BadInputTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    public static TheoryData<ProcessingStrategy> AllStrategies => new(Enum.GetValues<ProcessingStrategy>());

    private const string ReasonAttribute = "patterns-cdk-reason";
    private const string SourceMessageIdAttribute = "patterns-cdk-source-message-id";

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    public async Task Malformed_json_in_the_work_queue_goes_to_the_dead_letter_queue_with_its_reason_and_is_not_retried(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        await deployment.SendToWorkQueueAsync("{\"Records\": [ not json");
        await deployment.DriveAsync();

        deployment.ProcessorInvocations().Should().Be(1, "bad input is set aside at once, not retried until maxReceiveCount");
        Message dead = (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        dead.Body.Should().Be("{\"Records\": [ not json");
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute).WhoseValue.StringValue.Should().Contain("not valid");
        dead.MessageAttributes.Should().ContainKey(SourceMessageIdAttribute);
        (await deployment.DrainAsync(deployment.WorkQueueUrl!)).Should().BeEmpty();
        deployment.FunctionS3Requests().Should().Be(0);
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket, "{\"Records\":[null]}")]
    [InlineData(ProcessingStrategy.KeyFilter, "{\"Records\":[null]}")]
    [InlineData(ProcessingStrategy.ObjectMetadata, "{\"Records\":[null]}")]
    [InlineData(ProcessingStrategy.KeyFilter, "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}},null]}")]
    public async Task A_null_record_in_a_work_queue_notification_goes_to_the_dead_letter_queue_with_its_reason_and_is_not_retried(ProcessingStrategy strategy, string body)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        await deployment.SendToWorkQueueAsync(body);
        await deployment.DriveAsync();

        deployment.ProcessorInvocations().Should().Be(1, "a null entry is bad input, set aside at once");
        Message dead = (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        dead.Body.Should().Be(body);
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute).WhoseValue.StringValue.Should().Contain("null entry at $.Records[");
        deployment.FunctionS3Requests().Should().Be(0);
    }

    [Theory]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public async Task A_malformed_event_for_the_guard_is_retried_twice_then_sent_to_the_on_failure_destination(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        await deployment.Notifications.DeliverToAllAsync(deployment.SourceBucket, "{\"Records\": [ not json");
        await deployment.DriveAsync();

        deployment.GuardInvocations().Should().Be(3, "Lambda retries an asynchronous event twice (EventInvokeConfig)");
        deployment.Lambda.Invocations.Should().OnlyContain(i => i.Failed && i.FunctionId == deployment.Guard!.LogicalId);
        deployment.ProcessorInvocations().Should().Be(0);
        Message dead = (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        JsonNode record = JsonNode.Parse(dead.Body)!;
        ((string?)record["requestContext"]!["condition"]).Should().Be("RetriesExhausted");
        ((int)record["requestContext"]!["approximateInvokeCount"]!).Should().Be(3);
        ((string?)record["requestPayload"]).Should().Be("{\"Records\": [ not json");
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task The_S3_test_event_is_skipped(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        await deployment.Notifications.SendTestEventAsync(deployment.SourceBucket);
        await deployment.DriveAsync();

        // It reaches whatever S3 notifies (the processor through the queue, or the guard) and stops there.
        (deployment.Guard is null ? deployment.ProcessorInvocations() : deployment.GuardInvocations()).Should().Be(1);
        if (deployment.Guard is not null)
        {
            deployment.ProcessorInvocations().Should().Be(0);
        }

        deployment.Lambda.Invocations.Should().OnlyContain(i => !i.Failed);
        deployment.Logs.Should().Contain(l => l.Contains("S3 test event", StringComparison.Ordinal));
        deployment.Counter.Count(r => r.Caller != "uploader").Should().Be(0, "a test event needs no request at all");
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task Keys_with_spaces_plus_percent_and_non_ascii_characters_are_processed_to_the_right_output_key(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        string[] keys =
        [
            "incoming/my report (final).txt",
            "incoming/a+b=c&d.txt",
            "incoming/100% sure %2B.txt",
            "incoming/café/naïve 日本語 😀.txt",
            "incoming/q?x#y;z:w@v,$!'~[].txt",
        ];

        foreach (string key in keys)
        {
            await deployment.UploadAsync(key, Samples.Text(key), "text/plain", deployment.OriginalMetadata());
            await deployment.DriveAsync();
        }

        // S3 sends the keys form-encoded; the handlers decode them back.
        deployment.Notifications.Emitted.Where(n => n.Cause == Cause.Original).Select(n => n.Key).Should().Equal(keys);
        deployment.Notifications.Emitted[0].Payload.Should().Contain("\"incoming/my+report+%28final%29.txt\"");
        foreach (string key in keys)
        {
            (string bucket, string outputKey) = deployment.OutputLocationOf(key);
            var stamped = await deployment.HeadAsync(bucket, outputKey);
            stamped.Should().NotBeNull("{0} is processed to {1}", key, outputKey);
            stamped!.Metadata["sha256"].Should().Be(Samples.Sha256(Samples.Text(key)));
        }

        deployment.ProcessorInvocations().Should().Be(keys.Length);
        deployment.Lambda.Invocations.Should().OnlyContain(i => !i.Failed);
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task An_object_deleted_between_event_and_processing_is_skipped_without_output_or_dead_letter(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        const string key = "incoming/short-lived.txt";
        await deployment.UploadAsync(key, Samples.Text("gone soon"), "text/plain", deployment.OriginalMetadata());
        deployment.Lambda.BeforeInvoke = async functionId =>
        {
            if (functionId == deployment.Processor.LogicalId)
            {
                await deployment.DeleteAsync(deployment.SourceBucket, key);
            }
        };

        await deployment.DriveAsync();

        deployment.ProcessorInvocations().Should().Be(1);
        deployment.Lambda.Invocations.Should().OnlyContain(i => !i.Failed);
        deployment.Logs.Should().Contain(l => l.Contains("no longer exists", StringComparison.Ordinal));
        (string bucket, string outputKey) = deployment.OutputLocationOf(key);
        (await deployment.HeadAsync(bucket, outputKey)).Should().BeNull();
        deployment.Notifications.Writes.Should().NotContain(w => w.Caller == deployment.Processor.LogicalId);
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task A_zero_byte_object_is_stamped_with_the_sha256_of_nothing(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        const string key = "incoming/empty.txt";

        await deployment.UploadAsync(key, [], "text/plain", deployment.OriginalMetadata());
        await deployment.DriveAsync();

        deployment.Notifications.Emitted.Should().Contain(n => n.Cause == Cause.Original && n.Payload.Contains("\"size\":0", StringComparison.Ordinal));
        (string bucket, string outputKey) = deployment.OutputLocationOf(key);
        var stamped = await deployment.HeadAsync(bucket, outputKey);
        stamped.Should().NotBeNull();
        stamped!.ContentLength.Should().Be(0);
        stamped.Metadata["sha256"].Should().Be(Samples.EmptySha256);
        stamped.Metadata["detected-type"].Should().Be(Samples.EmptyType);
        deployment.ProcessorInvocations().Should().Be(1);
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task A_folder_marker_is_skipped_without_output_or_dead_letter(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);

        await deployment.UploadAsync("incoming/reports/", [], "application/x-directory", deployment.OriginalMetadata());
        await deployment.DriveAsync();

        // Queue-fed strategies deliver the marker's event to the processor, which skips it; the guards stop it earlier.
        deployment.ProcessorInvocations().Should().Be(strategy is ProcessingStrategy.SeparateBucket or ProcessingStrategy.KeyFilter ? 1 : 0);
        deployment.Notifications.Writes.Should().NotContain(w => w.Caller == deployment.Processor.LogicalId);
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Fact]
    public async Task SeparateBucket_the_same_event_delivered_twice_rewrites_the_identical_output_and_nothing_else()
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.SeparateBucket, output);
        const string key = "incoming/twice.png";
        await deployment.UploadAsync(key, Samples.Png(), "application/octet-stream");
        await deployment.DriveAsync();
        (string bucket, string outputKey) = deployment.OutputLocationOf(key);
        var first = (await deployment.HeadAsync(bucket, outputKey))!;

        await deployment.Notifications.RedeliverAsync(deployment.Notifications.Emitted.Single());
        await deployment.DriveAsync();

        var second = (await deployment.HeadAsync(bucket, outputKey))!;
        second.Metadata.Keys.Should().BeEquivalentTo(first.Metadata.Keys);
        foreach (string name in first.Metadata.Keys)
        {
            second.Metadata[name].Should().Be(first.Metadata[name]);
        }

        second.ETag.Should().Be(first.ETag);
        (await deployment.KeysAsync(bucket)).Should().Equal(outputKey);
        (await deployment.KeysAsync(deployment.SourceBucket)).Should().Equal(key);
        deployment.ProcessorInvocations().Should().Be(2);
        deployment.Notifications.Writes.Where(w => w.Caller == deployment.Processor.LogicalId)
            .Should().HaveCount(2).And.OnlyContain(w => w.Verb == "COPY" && w.Bucket == bucket && w.Key == outputKey, "the only side effect is an idempotent rewrite");
        deployment.Notifications.Emitted.Should().HaveCount(2, "the output bucket notifies nobody");
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Fact]
    public async Task ProcessedLedger_the_same_event_delivered_twice_is_processed_once()
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ProcessedLedger, output);
        const string key = "incoming/twice.txt";
        await deployment.UploadAsync(key, Samples.Text("once only"), "text/plain");
        await deployment.DriveAsync();

        await deployment.Notifications.RedeliverAsync(deployment.Notifications.Emitted.First(n => n.Cause == Cause.Original));
        await deployment.DriveAsync();

        deployment.GuardInvocations(Cause.Original).Should().Be(2);
        deployment.ProcessorInvocations().Should().Be(1);
        (await deployment.LedgerItemsAsync()).Should().ContainSingle();
        deployment.Counter.By(deployment.Guard!.LogicalId, "DynamoDB", "PutItem").Should().Be(2, "the duplicate fails the ledger's condition");
        deployment.Notifications.Writes.Should().ContainSingle(w => w.Caller == deployment.Processor.LogicalId);
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task An_event_for_a_bucket_or_prefix_the_pattern_does_not_own_is_skipped_without_reading_or_writing(ProcessingStrategy strategy)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        // Real objects, so that a missing scope check would find something to process.
        string foreignBucket = "someone-elses-" + Guid.NewGuid().ToString("N")[..8];
        await emulators.S3.PutBucketAsync(foreignBucket);
        await emulators.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = foreignBucket, Key = "incoming/theirs.txt", ContentBody = "theirs" });
        await deployment.UploadAsync("elsewhere/mine.txt", Samples.Text("not under the input prefix"), "text/plain", deployment.OriginalMetadata());
        deployment.Notifications.Emitted.Should().BeEmpty("the notification filter does not match elsewhere/");
        string[] events =
        [
            S3NotificationEmulator.NotificationPayload(foreignBucket, "incoming/theirs.txt", S3NotificationEmulator.UploaderPrincipal, "0123456789abcdef0123456789abcdef", 6),
            S3NotificationEmulator.NotificationPayload(deployment.SourceBucket, "elsewhere/mine.txt", S3NotificationEmulator.UploaderPrincipal, "0123456789abcdef0123456789abcdef", 26),
        ];

        foreach (string payload in events)
        {
            await deployment.Notifications.DeliverToAllAsync(deployment.SourceBucket, payload);
            if (strategy == ProcessingStrategy.ObjectMetadata)
            {
                await deployment.SendToWorkQueueAsync(payload); // Past the guard, straight to the processor.
            }
        }

        await deployment.DriveAsync();

        deployment.Lambda.Invocations.Should().NotBeEmpty().And.OnlyContain(i => !i.Failed);
        deployment.FunctionS3Requests().Should().Be(0, "nothing outside the pattern's scope is read or written");
        deployment.Counter.Count(r => r.Caller != "uploader" && r.Service == "DynamoDB").Should().Be(0);
        deployment.Logs.Should().Contain(l => l.Contains("not for this handler", StringComparison.Ordinal));
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
        (await deployment.KeysAsync(foreignBucket)).Should().Equal("incoming/theirs.txt");
    }

    [Fact]
    public async Task ObjectMetadata_an_upload_without_the_marker_is_never_processed()
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ObjectMetadata, output);

        await deployment.UploadAsync("incoming/unmarked.txt", Samples.Text("no marker"), "text/plain");
        await deployment.DriveAsync();

        deployment.GuardInvocations().Should().Be(1);
        deployment.ProcessorInvocations().Should().Be(0);
        (await deployment.HeadAsync(deployment.SourceBucket, "incoming/unmarked.txt"))!.Metadata.Keys.Should().BeEmpty();
    }

    [Fact]
    public async Task SeparateBucket_a_message_that_keeps_failing_reaches_the_dead_letter_queue_after_MaxReceiveCount_receives()
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.SeparateBucket, output);
        await emulators.S3.DeleteBucketAsync(deployment.OutputBucket); // Every CopyObject now fails: a transient error to the processor.

        await deployment.UploadAsync("incoming/doomed.txt", Samples.Text("cannot be written"), "text/plain");
        await deployment.DriveAsync();

        int maxReceiveCount = CfnTemplate.Number(deployment.Template.PropertiesOf(deployment.Pattern.WorkQueueId!)["RedrivePolicy"]!["maxReceiveCount"], 0);
        maxReceiveCount.Should().Be(5);
        deployment.ProcessorInvocations().Should().Be(maxReceiveCount);
        deployment.Lambda.Invocations.Should().OnlyContain(i => !i.Failed, "the processor reports the message as a batch item failure instead of failing the invocation");
        Message dead = (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        dead.Body.Should().Be(deployment.Notifications.Emitted.Single().Payload);
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute, "the processor parks it itself on its last receive")
            .WhoseValue.StringValue.Should().StartWith($"retries exhausted after {maxReceiveCount} receives: ");
        deployment.Processor.Environment["MAX_RECEIVE_COUNT"].Should().Be("5", "the construct gives the processor the redrive policy's maxReceiveCount");
    }

    [Fact]
    public async Task ProcessedLedger_a_stream_record_that_keeps_failing_reaches_the_on_failure_destination_after_the_retries()
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, ProcessingStrategy.ProcessedLedger, output);
        const string key = "incoming/unreadable.txt";
        await deployment.UploadAsync(key, Samples.Text("recorded, never readable"), "text/plain");
        bool bucketGone = false;
        deployment.Lambda.BeforeInvoke = async functionId =>
        {
            if (functionId == deployment.Processor.LogicalId && !bucketGone)
            {
                bucketGone = true;
                // Without its bucket every GetObject fails with NoSuchBucket: a transient error to the processor.
                await deployment.DeleteAsync(deployment.SourceBucket, key);
                await emulators.S3.DeleteBucketAsync(deployment.SourceBucket);
            }
        };

        await deployment.DriveAsync();

        string mappingId = deployment.Template.OfType("AWS::Lambda::EventSourceMapping").Single().Id;
        int retries = CfnTemplate.Number(deployment.Template.PropertiesOf(mappingId)["MaximumRetryAttempts"], -1);
        retries.Should().Be(3);
        deployment.ProcessorInvocations().Should().Be(1 + retries);
        Message dead = (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        JsonNode record = JsonNode.Parse(dead.Body)!;
        ((string?)record["requestContext"]!["condition"]).Should().Be("RetryAttemptsExhausted");
        ((string?)record["DDBStreamBatchInfo"]!["streamArn"]).Should().EndWith(deployment.LedgerTable + "/stream/2025-01-01T00:00:00.000");
    }
}
