using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.RecursionSafeS3Processor;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>
/// Conservation run of RecursionSafeS3Processor under faults, for each strategy: uploads, genuine re-uploads (new
/// content), identical re-uploads, S3 notifications delivered twice, folder markers, and bad input (malformed work-queue
/// messages; for ProcessedLedger, malformed events for the recorder), with the fault layer between every function's
/// clients and the emulators. At the end every input is accounted for: each uploaded key has exactly one output, stamped
/// with its last upload (or its event is in the dead-letter queue with the reason "retries exhausted", or as the
/// on-failure record of its stream records); each bad input is in the dead-letter queue with its reason; a dead letter
/// from the work queue without a reason (moved by the redrive policy) only as often as the processor's forward failed; markers (and, for ObjectMetadata, unmarked uploads) have no output; no output ever caused processing; there
/// is no output, ledger entry or dead letter that no input explains.
/// Switches: <see cref="ConservationSettings"/> (PATTERNS_CONSERVATION=long, _SEED, _FAULT_RATE).
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class RecursionSafeConservationTests(EmulatorFixture emulators, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    /// <summary>The faults spent the SDK's per-endpoint retry quotas; the next test gets them back.</summary>
    public void Dispose() => SdkRetryTuning.RestoreRetryQuotas();

    public static TheoryData<ProcessingStrategy> AllStrategies => new(Enum.GetValues<ProcessingStrategy>());

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public async Task Every_upload_under_faults_has_one_output_of_its_last_content_or_a_dead_letter_and_no_output_triggers_processing(ProcessingStrategy strategy)
    {
        ConservationSettings settings = ConservationSettings.FromEnvironment();
        var report = new ConservationReport($"RecursionSafeS3Processor-{strategy}", settings);
        int keys = settings.Inputs(100, 1000);
        var random = new Random(unchecked((settings.Seed * 31) + (int)strategy));
        var faults = new FaultInjector(settings.Seed + (int)strategy, new FaultPlan
        {
            Rate = settings.FaultRate,
            Outages = [new FaultOutage("S3", 30, 12)],
        });
        report.Faults = faults;
        var log = new ForwardFailureLog();
        using SimulatedDeployment deployment = await SimulatedDeployment.CreateAsync(emulators, strategy, log, faults: faults);
        bool ledger = strategy == ProcessingStrategy.ProcessedLedger;
        string prefix = $"{SynthesizedPattern.InputPrefix}c{settings.Seed}/";

        // What went in, per key: the content and ETag of its last upload. Markers and unmarked uploads expect no output.
        var last = new Dictionary<string, (byte[] Content, string ETag)>(StringComparer.Ordinal);
        var noOutput = new HashSet<string>(StringComparer.Ordinal);
        var badBodies = new List<string>();
        var history = new Dictionary<string, List<string>>(StringComparer.Ordinal); // per key: "upload", "same content again", "new content"
        int uploads = 0, duplicates = 0, redeliveries = 0;

        async Task Upload(string key, byte[] content, bool marked = true)
        {
            uploads++;
            List<string> events = history.TryGetValue(key, out List<string>? seen) ? seen : history[key] = [];
            events.Add(events.Count == 0 ? "upload" : last.TryGetValue(key, out var previous) && previous.Content.SequenceEqual(content) ? "same content again" : "new content");
            string eTag = await deployment.UploadAsync(key, content, "application/octet-stream", marked ? deployment.OriginalMetadata() : null);
            if (marked)
            {
                last[key] = (content, eTag);
            }
        }

        async Task Bad(int i)
        {
            string body = $"{{\"Records\": [ not json {i}";
            badBodies.Add(body);
            if (ledger)
            {
                await deployment.Notifications.DeliverToAllAsync(deployment.SourceBucket, body);
            }
            else
            {
                await deployment.SendToWorkQueueAsync(body);
            }
        }

        // Phase 1: the originals, a folder marker now and then, unmarked uploads for ObjectMetadata, bad input; in chunks.
        var operations = new List<Func<Task>>();
        for (int i = 0; i < keys; i++)
        {
            int n = i;
            string key = $"{prefix}{n:00000}{(n % 3 == 0 ? ".png" : ".txt")}";
            (byte[] content, _) = Samples.For(key, random.Next());
            operations.Add(() => Upload(key, content));
            double draw = random.NextDouble();
            if (draw < 0.04)
            {
                string marker = $"{prefix}folder-{n}/";
                noOutput.Add(marker);
                operations.Add(() => Upload(marker, [], marked: true));
            }
            else if (draw < 0.08 && strategy == ProcessingStrategy.ObjectMetadata)
            {
                string unmarked = $"{prefix}unmarked-{n}.txt";
                noOutput.Add(unmarked);
                operations.Add(() => Upload(unmarked, Samples.Text($"no marker {n}"), marked: false));
            }
            else if (draw < 0.14)
            {
                operations.Add(() => Bad(n));
            }
        }

        await RunInChunks(deployment, operations.OrderBy(_ => random.Next()).ToList());

        // Phase 2: genuine re-uploads (new content), identical re-uploads, and S3 delivering notifications twice.
        operations.Clear();
        List<string> originals = last.Keys.Where(k => !noOutput.Contains(k)).Order(StringComparer.Ordinal).ToList();
        foreach (string key in originals)
        {
            double draw = random.NextDouble();
            if (draw < 0.2)
            {
                (byte[] content, _) = Samples.For(key, random.Next());
                operations.Add(() => Upload(key, content));
            }
            else if (draw < 0.3)
            {
                duplicates++;
                byte[] same = last[key].Content;
                operations.Add(() => Upload(key, same));
            }
        }

        List<EmittedNotification> emitted = deployment.Notifications.Emitted.Where(e => e.Cause == Cause.Original).ToList();
        foreach (EmittedNotification notification in emitted.Where(_ => random.NextDouble() < 0.1))
        {
            duplicates++;
            redeliveries++;
            operations.Add(() => deployment.Notifications.RedeliverAsync(notification));
        }

        await RunInChunks(deployment, operations.OrderBy(_ => random.Next()).ToList());
        foreach (string marker in noOutput.Where(k => k.EndsWith('/')))
        {
            last.Remove(marker);
        }

        faults.Enabled = false;
        await Account(deployment, strategy, last, noOutput, badBodies, history, report, log, faults);
        report.Inputs = uploads + badBodies.Count + redeliveries;
        report.Duplicates = duplicates;
        report.BadInputs = badBodies.Count;
        report.Row("keys (distinct originals)", last.Count);
        report.Row("uploads (incl. re-uploads)", uploads);
        report.Row("notifications delivered twice", redeliveries);
        report.Row("folder markers / unmarked uploads (no output by design)", noOutput.Count);
        report.Write();
        output.WriteLine(report.SummaryLine());
        report.Problems.Should().BeEmpty(report.Failure());
        faults.InjectedAtLeastThePlannedRate(out string rate).Should().BeTrue($"the run must inject its fault rate: {rate}; replay with {settings.Replay}");
    }

    private static async Task RunInChunks(SimulatedDeployment deployment, List<Func<Task>> operations)
    {
        foreach (Func<Task>[] chunk in operations.Chunk(40))
        {
            foreach (Func<Task> operation in chunk)
            {
                await operation();
            }

            await deployment.Lambda.DriveAsync(maxInvocations: 40 * chunk.Length, timeout: TimeSpan.FromMinutes(5));
        }
    }

    private async Task Account(SimulatedDeployment deployment, ProcessingStrategy strategy, Dictionary<string, (byte[] Content, string ETag)> last,
        HashSet<string> noOutput, List<string> badBodies, Dictionary<string, List<string>> history, ConservationReport report, ForwardFailureLog log, FaultInjector faults)
    {
        List<Message> dead = await deployment.DrainAsync(deployment.DeadLetterQueueUrl);
        if (deployment.WorkQueueUrl is { } workQueue)
        {
            (await deployment.DrainAsync(workQueue)).Should().BeEmpty("the work queue is drained at the end");
        }

        // Dead letters: bad input with its reason, or an upload's event whose retries were exhausted (with that reason; or
        // moved by the redrive policy when the forward failed).
        var deadKeys = new HashSet<string>(StringComparer.Ordinal);
        var parkedBad = new List<string>();
        int withoutReason = 0;
        foreach (Message message in dead)
        {
            JsonNode? body = TryParse(message.Body);
            if ((message.MessageAttributes ?? []).TryGetValue(DeadLetterForwarder.ReasonAttribute, out MessageAttributeValue? reason))
            {
                if (badBodies.Contains(message.Body) && reason.StringValue.Contains("not valid", StringComparison.Ordinal))
                {
                    parkedBad.Add(message.Body);
                }
                else if (reason.StringValue.StartsWith("retries exhausted after ", StringComparison.Ordinal) && KeysOf(message.Body) is { Count: > 0 } exhaustedKeys)
                {
                    deadKeys.UnionWith(exhaustedKeys);
                }
                else
                {
                    report.Problem($"dead letter with reason '{reason.StringValue}' for an input that is not bad: {Shorten(message.Body)}");
                }
            }
            else if (body?["requestContext"]?["condition"] is not null)
            {
                // A Lambda on-failure record: an async event (its payload) or stream records (by sequence number).
                string? payload = body["requestPayload"] is JsonValue text ? (string?)text : body["requestPayload"]?.ToJsonString();
                string? error = (string?)body["responsePayload"]?["errorMessage"];
                if (payload is not null && badBodies.Contains(payload))
                {
                    if (string.IsNullOrEmpty(error))
                    {
                        report.Problem($"on-failure record of bad input without an error message: {Shorten(message.Body)}");
                    }

                    parkedBad.Add(payload);
                }
                else if (payload is not null && KeysOf(payload) is { Count: > 0 } eventKeys)
                {
                    deadKeys.UnionWith(eventKeys);
                }
                else if (body["DDBStreamBatchInfo"]?["startSequenceNumber"] is { } sequence)
                {
                    deadKeys.UnionWith(deployment.Lambda.ExhaustedStreamRecords
                        .Where(r => r.SequenceNumber == (string?)sequence)
                        .Select(r => (string?)r.Record["dynamodb"]?["NewImage"]?["key"]?["S"] ?? "?"));
                }
                else
                {
                    report.Problem($"unexplained on-failure record: {Shorten(message.Body)}");
                }
            }
            else if (KeysOf(message.Body) is { Count: > 0 } redrivenKeys)
            {
                deadKeys.UnionWith(redrivenKeys); // moved by the redrive policy after maxReceiveCount: the forward failed
                withoutReason++;
            }
            else if (badBodies.Contains(message.Body))
            {
                parkedBad.Add(message.Body); // bad input moved by the redrive policy: every forward of it failed
                withoutReason++;
            }
            else
            {
                report.Extra++;
                report.Problem($"EXTRA dead letter no input explains: {Shorten(message.Body)}");
            }
        }

        int badParked = 0, extraDeadCopies = 0;
        foreach (string bad in badBodies.Distinct())
        {
            int expected = badBodies.Count(b => b == bad);
            int found = parkedBad.Count(b => b == bad);
            badParked += Math.Min(expected, found);
            extraDeadCopies += Math.Max(0, found - expected);
            if (found < expected)
            {
                report.Lost += expected - found;
                report.Problem($"bad input LOST (not in the DLQ with its reason): {Shorten(bad)}");
            }
        }

        // Outputs: one per key, stamped with the last upload's content and ETag.
        int processed = 0, deadLettered = 0;
        foreach ((string key, (byte[] content, string eTag)) in last)
        {
            (string bucket, string outputKey) = deployment.OutputLocationOf(key);
            GetObjectMetadataResponse? stamped = await deployment.HeadAsync(bucket, outputKey);
            string? sha = stamped?.Metadata["sha256"];
            if (sha == Samples.Sha256(content) && stamped!.Metadata["source-etag"] == eTag)
            {
                processed++;
            }
            else if (deadKeys.Contains(key))
            {
                deadLettered++;
            }
            else
            {
                report.Lost++;
                report.Problem(stamped is null || sha is null
                    ? $"{key} LOST ({string.Join(", then ", history[key])}): no output at {bucket}/{outputKey} and no dead letter"
                    : $"{key}: output at {bucket}/{outputKey} is stamped {sha[..12]}.. (source-etag {stamped.Metadata["source-etag"]}), not its last upload {Samples.Sha256(content)[..12]}.. ({eTag})");
            }
        }

        foreach (string key in noOutput)
        {
            (string bucket, string outputKey) = deployment.OutputLocationOf(key);
            if ((await deployment.HeadAsync(bucket, outputKey))?.Metadata["sha256"] is not null)
            {
                report.Extra++;
                report.Problem($"EXTRA output for {key} (a {(key.EndsWith('/') ? "folder marker" : "unmarked upload")}) at {bucket}/{outputKey}");
            }
        }

        // Nothing in the output location that no key explains.
        var expectedOutputs = last.Keys.Select(deployment.OutputLocationOf).ToHashSet();
        string outputBucket = strategy == ProcessingStrategy.SeparateBucket ? deployment.OutputBucket : deployment.SourceBucket;
        foreach (string key in await AllKeysAsync(outputBucket))
        {
            GetObjectMetadataResponse? head = await deployment.HeadAsync(outputBucket, key);
            if (head?.Metadata["sha256"] is not null && !expectedOutputs.Contains((outputBucket, key)))
            {
                report.Extra++;
                report.Problem($"EXTRA output {outputBucket}/{key}");
            }
        }

        // No output ever caused processing.
        int retriggered = deployment.ProcessorInvocations(Cause.Output);
        if (retriggered > 0)
        {
            report.Extra += retriggered;
            report.Problem($"{retriggered} processor invocations were caused by outputs");
        }

        int outputForwards = deployment.Counter.Count(r => r.Cause == Cause.Output && r.Verb is "SendMessage" or "SendMessageBatch" or "PutItem");
        if (outputForwards > 0)
        {
            report.Extra += outputForwards;
            report.Problem($"{outputForwards} guard/recorder requests forwarded or recorded an output");
        }

        if (strategy == ProcessingStrategy.ProcessedLedger)
        {
            List<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> items = await deployment.LedgerItemsAsync();
            var notRecorded = items.Where(i => !last.ContainsKey(i["key"].S) && !noOutput.Contains(i["key"].S)).ToList();
            if (notRecorded.Count > 0)
            {
                report.Extra += notRecorded.Count;
                report.Problem($"EXTRA ledger entries for keys no upload explains: {string.Join(", ", notRecorded.Take(5).Select(i => i["key"].S))}");
            }

            report.Row("ledger entries (revisions)", items.Count);
        }

        report.OutcomeUnit = "keys / bad inputs";
        report.Processed = processed;
        report.DeadLettered = deadLettered + badParked;
        log.Check(report, withoutReason, faults);
        report.Parked = noOutput.Count;
        report.Row("outcome detail: keys whose output is stamped with their last upload", processed);
        report.Row("outcome detail: bad inputs in the DLQ with their reason", badParked);
        report.Row("outcome detail: keys whose event is in the DLQ after its retries", deadLettered);
        report.Row("outcome detail: parked = skipped by design, no output (folder markers, unmarked uploads)", noOutput.Count);
        report.Row("extra copies of a dead letter (SQS at-least-once send)", extraDeadCopies);
        report.Row("processor invocations (of which errors)", $"{deployment.ProcessorInvocations()} ({deployment.Lambda.Invocations.Count(i => i.Failed && i.FunctionId == deployment.Processor.LogicalId)})");
        if (deployment.Guard is not null)
        {
            report.Row("guard / recorder invocations (of which errors, retried by Lambda)", $"{deployment.GuardInvocations()} ({deployment.Lambda.Invocations.Count(i => i.Failed && i.FunctionId == deployment.Guard.LogicalId)})");
        }

        report.Row("output writes (incl. rewrites after retries)", deployment.Notifications.Writes.Count(w => w.Caller == deployment.Processor.LogicalId));
        report.Row("processor invocations caused by an output", retriggered);
    }

    private async Task<List<string>> AllKeysAsync(string bucket)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            ListObjectsV2Response page = await emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            keys.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    private static List<string> KeysOf(string notification) =>
        TryParse(notification)?["Records"] is JsonArray records
            ? records.Select(r => (string?)r?["s3"]?["object"]?["key"]).OfType<string>().Select(k => Uri.UnescapeDataString(k.Replace('+', ' '))).ToList()
            : [];

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "...";
}
