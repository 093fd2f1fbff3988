using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>The whole flow of each strategy, from upload to output, and proof that the output never causes processing.</summary>
[Collection(UsesEmulators.Name)]
public sealed class StrategyFlowTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket, "incoming/photos/cat.png", "photos/cat.png")]
    [InlineData(ProcessingStrategy.KeyFilter, "incoming/a/b/c.txt", "processed/a/b/c.txt")]
    [InlineData(ProcessingStrategy.ObjectMetadata, "incoming/cat.png", "incoming/cat.png")]
    [InlineData(ProcessingStrategy.ProcessedLedger, "incoming/notes.txt", "incoming/notes.txt")]
    public async Task An_original_is_stamped_once_and_its_output_never_triggers_processing(ProcessingStrategy strategy, string key, string expectedOutputKey)
    {
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        (byte[] content, string detectedType) = Samples.For(key);

        string eTag = await deployment.UploadAsync(key, content, "application/octet-stream", deployment.OriginalMetadata());
        await deployment.DriveAsync();

        // The output: where the strategy puts it, same bytes, stamped.
        string outputBucket = strategy == ProcessingStrategy.SeparateBucket ? deployment.OutputBucket : deployment.SourceBucket;
        deployment.OutputLocationOf(key).Should().Be((outputBucket, expectedOutputKey));
        var stamped = await deployment.HeadAsync(outputBucket, expectedOutputKey);
        stamped.Should().NotBeNull("the processor writes {0}/{1}", outputBucket, expectedOutputKey);
        stamped!.Metadata["sha256"].Should().Be(Samples.Sha256(content));
        stamped.Metadata["detected-type"].Should().Be(detectedType);
        stamped.Metadata["source-etag"].Should().Be(eTag);
        (await deployment.ReadAsync(outputBucket, expectedOutputKey)).Should().Equal(content);

        // S3 stores the Content-Type of a CopyObject with MetadataDirective REPLACE; fauxqs keeps the source's, so check what was sent.
        ObjectWrite write = deployment.Notifications.Writes.Should().ContainSingle(w => w.Caller == deployment.Processor.LogicalId).Subject;
        write.Should().BeEquivalentTo(new { Verb = "COPY", Bucket = outputBucket, Key = expectedOutputKey, ContentType = detectedType });
        write.Metadata.Should().NotContainKey("original");

        // Processed exactly once; the output caused no processing; nothing failed.
        deployment.ProcessorInvocations().Should().Be(1);
        deployment.ProcessorInvocations(Cause.Output).Should().Be(0);
        deployment.Lambda.Invocations.Should().OnlyContain(i => !i.Failed);
        (await deployment.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
        if (deployment.WorkQueueUrl is { } workQueue)
        {
            (await deployment.DrainAsync(workQueue)).Should().BeEmpty();
        }

        var outputEvents = deployment.Notifications.Emitted.Where(n => n.Cause == Cause.Output).ToList();
        switch (strategy)
        {
            case ProcessingStrategy.SeparateBucket:
            case ProcessingStrategy.KeyFilter:
                // The output bucket has no notification, or the output key is outside the filter: no event at all.
                outputEvents.Should().BeEmpty();
                deployment.GuardInvocations().Should().Be(0);
                (await deployment.HeadAsync(deployment.SourceBucket, key)).Should().NotBeNull("the original stays where it was uploaded");
                break;

            case ProcessingStrategy.ObjectMetadata:
                // The in-place output notifies the guard, which finds no marker and forwards nothing.
                outputEvents.Should().ContainSingle();
                deployment.GuardInvocations(Cause.Output).Should().Be(1);
                stamped.Metadata.Keys.Should().NotContain(k => k.Contains("original", StringComparison.Ordinal));
                deployment.Counter.Count(r => r.Caller == deployment.Guard!.LogicalId && r.Verb is "SendMessage" or "SendMessageBatch").Should().Be(1);
                break;

            case ProcessingStrategy.ProcessedLedger:
                // The in-place output notifies the recorder, which recognises the processor's role and records nothing.
                outputEvents.Should().ContainSingle().Which.Payload.Should().Contain(deployment.Processor.PrincipalId);
                deployment.GuardInvocations(Cause.Output).Should().Be(1);
                deployment.Counter.Count(r => r.Service == "DynamoDB" && r.Cause == Cause.Output).Should().Be(0);
                (await deployment.LedgerItemsAsync()).Should().ContainSingle().Which["revision"].S.Should().StartWith(eTag + "@", "unversioned: the ETag and the event's sequencer");
                break;
        }
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public async Task A_genuine_re_upload_of_new_content_to_the_same_key_is_processed_again(ProcessingStrategy strategy)
    {
        // The seed's ledger keyed entries by object key alone, so a re-upload within the TTL was silently ignored.
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        const string key = "incoming/report.txt";
        byte[] first = Samples.Text("version one");
        byte[] second = Samples.Text("version two, longer");

        string firstETag = await deployment.UploadAsync(key, first, "text/plain", deployment.OriginalMetadata());
        await deployment.DriveAsync();
        string secondETag = await deployment.UploadAsync(key, second, "text/plain", deployment.OriginalMetadata());
        await deployment.DriveAsync();

        deployment.ProcessorInvocations(Cause.Original).Should().Be(2);
        deployment.ProcessorInvocations(Cause.Output).Should().Be(0);
        (string bucket, string outputKey) = deployment.OutputLocationOf(key);
        var stamped = (await deployment.HeadAsync(bucket, outputKey))!;
        stamped.Metadata["sha256"].Should().Be(Samples.Sha256(second));
        stamped.Metadata["source-etag"].Should().Be(secondETag);
        (await deployment.ReadAsync(bucket, outputKey)).Should().Equal(second);
        if (strategy == ProcessingStrategy.ProcessedLedger)
        {
            (await deployment.LedgerItemsAsync()).Select(i => i["revision"].S.Split('@')[0]).Should().BeEquivalentTo(firstETag, secondETag);
        }
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public async Task A_re_upload_of_the_same_bytes_is_processed_again_and_its_output_stays_stamped(ProcessingStrategy strategy)
    {
        // Found by the conservation run: on an unversioned bucket the ledger took the same bytes uploaded again (which
        // replace the in-place output with the unstamped original) for a duplicate delivery, and left them unstamped.
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, output);
        const string key = "incoming/same.txt";
        byte[] content = Samples.Text("the same bytes twice");

        string eTag = await deployment.UploadAsync(key, content, "text/plain", deployment.OriginalMetadata());
        await deployment.DriveAsync();
        (await deployment.UploadAsync(key, content, "text/plain", deployment.OriginalMetadata())).Should().Be(eTag);
        await deployment.DriveAsync();

        deployment.ProcessorInvocations(Cause.Original).Should().Be(2);
        deployment.ProcessorInvocations(Cause.Output).Should().Be(0);
        (string bucket, string outputKey) = deployment.OutputLocationOf(key);
        var stamped = (await deployment.HeadAsync(bucket, outputKey))!;
        stamped.Metadata["sha256"].Should().Be(Samples.Sha256(content));
        stamped.Metadata["source-etag"].Should().Be(eTag);
        if (strategy == ProcessingStrategy.ProcessedLedger)
        {
            (await deployment.LedgerItemsAsync()).Should().HaveCount(2, "two writes of the key, two revisions (ETag and sequencer)");
        }
    }
}
