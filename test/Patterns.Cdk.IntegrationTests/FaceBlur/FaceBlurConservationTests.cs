using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using SkiaSharp;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// Issue 15's conservation run for FaceBlurPipeline: a few hundred uploads (a few thousand with
/// <c>PATTERNS_CONSERVATION=long</c>) of JPEG and PNG images with and without faces, some notified twice, a share of bad
/// input (truncated, corrupt, pixel bomb, empty, text named .jpg), with faults on the worker's S3 and SQS requests (the
/// shared <see cref="FaultInjector"/> in the SDK clients' HTTP pipeline) and on DetectFaces (the same injector drawn by
/// <see cref="FakeRekognition"/>, plus outage windows long enough to exhaust the detector's retries). The bundled worker
/// runs unchanged: on the last of the queue's 3 receives it parks what keeps failing in the dead-letter queue itself, with
/// the reason "retries exhausted"; only when that forward fails does the redrive policy move it there without a reason.
/// At the end every upload is accounted for: delivered as exactly one output whose face boxes really changed (never an
/// unblurred face), or in the dead-letter queue with its <c>patterns-cdk-reason</c> (bad input at once; a good image only
/// after <see cref="FaceBlurScenario.MaxReceiveCount"/> failed receives), or without one at most as many times as the
/// worker's forwards to the dead-letter queue failed. Anything else fails with the seed.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class FaceBlurConservationTests(EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output)
    : IClassFixture<FakeRekognition>, IDisposable
{
    /// <summary>The faults spent the SDK's per-endpoint retry quotas; the next test gets them back.</summary>
    public void Dispose() => SdkRetryTuning.RestoreRetryQuotas();

    private const string ReasonAttribute = DeadLetterForwarder.ReasonAttribute;
    private static readonly TimeSpan DetectionAttemptTimeout = TimeSpan.FromMilliseconds(250);

    private enum Kind
    {
        FaceJpeg,
        PlainJpeg,
        FacePng,
        PlainPng,
        Truncated,
        Corrupt,
        Bomb,
        Empty,
        Text,
    }

    [Fact]
    public async Task Every_upload_is_delivered_blurred_or_in_the_dead_letter_queue_and_no_face_leaves_unblurred()
    {
        ConservationSettings settings = ConservationSettings.FromEnvironment();
        var report = new ConservationReport("faceblur", settings) { OutcomeUnit = "uploads" };
        var random = new Random(settings.Seed);
        int count = settings.Inputs(300, 3000);

        // Faults: the shared layer on the worker's S3/SQS requests and on DetectFaces, with outage windows of the detector
        // (each long enough to exhaust one invocation's 4 attempts, some long enough to send an image to the DLQ).
        var outages = Enumerable.Range(0, Math.Max(2, count / 100))
            .Select(_ => new FaultOutage(FakeRekognition.FaultService, random.Next(1, count), random.Next(4, 14)))
            .ToList();
        var faults = new FaultInjector(settings.Seed, new FaultPlan { Rate = settings.FaultRate, Outages = outages, MaxLatency = TimeSpan.FromMilliseconds(20) });
        report.Faults = faults;
        using FaceBlurScenario scenario = await FaceBlurScenario.CreateAsync(emulators, rekognition, output, faults, DetectionAttemptTimeout, logLevel: "INFO");
        scenario.WriteLogsOnDispose = false;
        rekognition.Faults = faults;
        rekognition.TimeoutDelay = DetectionAttemptTimeout + TimeSpan.FromMilliseconds(150);
        faults.Enabled = false; // uploads and notifications are the test's own: no faults

        try
        {
            // Inputs: one object per name, a tenth notified twice, in a shuffled order.
            byte[] jpeg = SampleImages.JpegWithExif();
            byte[] png = SampleImages.PngWithText();
            using SKBitmap jpegPixels = SampleImages.Decode(jpeg);
            using SKBitmap pngPixels = SampleImages.Decode(png);
            var inputs = new List<Input>(count);
            var notifications = new List<(string Body, Input Input)>();
            for (int i = 0; i < count; i++)
            {
                Kind kind = Pick(random);
                string name = string.Create(CultureInfo.InvariantCulture, $"batch-{i / 100:D3}/img {i:D5}{(kind is Kind.FacePng or Kind.PlainPng or Kind.Bomb ? ".png" : ".jpg")}");
                (byte[] content, string contentType) = kind switch
                {
                    Kind.FaceJpeg or Kind.PlainJpeg => (jpeg, "image/jpeg"),
                    Kind.FacePng or Kind.PlainPng => (png, "image/png"),
                    Kind.Truncated => (SampleImages.TruncatedJpeg(), "image/jpeg"),
                    Kind.Corrupt => (SampleImages.CorruptJpeg(), "image/jpeg"),
                    Kind.Bomb => (SampleImages.PngPixelBomb(), "image/png"),
                    Kind.Empty => ([], "image/jpeg"),
                    _ => (SampleImages.TextNamedJpg, "image/jpeg"),
                };
                var boxes = kind is Kind.FaceJpeg or Kind.FacePng ? Faces(random) : [];

                // A few images with faces the detector never answers for (a persistent 500): they must never be delivered.
                bool detectorDown = boxes.Length > 0 && random.NextDouble() < 0.03;
                var input = new Input(name, kind, content, boxes) { DetectorDown = detectorDown };
                rekognition.On(
                    scenario.SourceBucket,
                    FaceBlurScenario.InputPrefix + name,
                    detectorDown ? FakeRekognition.Always(500, "InternalServerError") : boxes.Length > 0 ? FakeRekognition.Faces(boxes) : FakeRekognition.NoFaces);
                string notification = await scenario.PutAsync(name, content, contentType);
                inputs.Add(input);
                notifications.Add((notification, input));
                input.Notifications++;
                if (random.NextDouble() < 0.1)
                {
                    notifications.Add((notification, input));
                    input.Notifications++;
                }
            }

            Shuffle(notifications, random);
            await scenario.SendAllAsync(notifications.Select(n => n.Body));
            TimeSpan uploaded = report.Elapsed;
            faults.Enabled = true;
            await scenario.DriveAsync(maxPolls: notifications.Count * (FaceBlurScenario.MaxReceiveCount + 1), limit: TimeSpan.FromMinutes(settings.IsLong ? 30 : 5));
            faults.Enabled = false;
            TimeSpan driven = report.Elapsed;

            // What came out: the destination bucket, the dead-letter queue, the work queue (must be empty).
            var byName = inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
            foreach (string key in await scenario.DestinationKeysAsync())
            {
                string name = key.StartsWith(FaceBlurScenario.DestinationPrefix, StringComparison.Ordinal) ? key[FaceBlurScenario.DestinationPrefix.Length..] : key;
                if (byName.TryGetValue(name, out Input? input))
                {
                    input.Delivered = true;
                }
                else
                {
                    report.Extra++;
                    report.Problem($"extra output {key}: no upload of that name");
                }
            }

            List<Message> dead = await scenario.DrainAsync(scenario.DeadLetterQueueUrl);
            foreach (Message message in dead)
            {
                string name = NameOf(message.Body);
                if (!byName.TryGetValue(name, out Input? input))
                {
                    report.Problem($"a dead-letter message for no upload: {Shorten(message.Body)}");
                    continue;
                }

                if (message.MessageAttributes?.TryGetValue(ReasonAttribute, out MessageAttributeValue? reason) == true)
                {
                    if (reason!.StringValue.StartsWith("retries exhausted after ", StringComparison.Ordinal))
                    {
                        input.ExhaustedReasons.Add(reason.StringValue);
                    }
                    else
                    {
                        input.ParkedReasons.Add(reason.StringValue);
                    }
                }
                else
                {
                    input.Redriven++;
                }
            }

            List<Message> left = await scenario.DrainAsync(scenario.WorkQueueUrl);
            foreach (Message message in left)
            {
                report.Problem($"left in the work queue: {Shorten(message.Body)}");
            }

            Dictionary<string, int> failedReceives = FailedReceives(scenario);
            double worstRatio = 0;
            int faceChecks = 0;
            foreach (Input input in inputs)
            {
                bool bad = input.Kind >= Kind.Truncated;
                int inDeadLetterQueue = input.ParkedReasons.Count + input.Exhausted + input.Redriven;
                if (bad)
                {
                    if (input.Delivered)
                    {
                        report.Extra++;
                        report.Problem($"{input.Name} ({input.Kind}) is bad input but was delivered");
                    }

                    if (inDeadLetterQueue < input.Notifications)
                    {
                        report.Lost++;
                        report.Problem($"{input.Name} ({input.Kind}): {input.Notifications} notification(s), {inDeadLetterQueue} in the dead-letter queue, nothing delivered");
                    }

                    foreach (string reason in input.ParkedReasons.Where(r => !r.Contains(ExpectedReason(input.Kind), StringComparison.Ordinal)))
                    {
                        report.Problem($"{input.Name} ({input.Kind}) parked with the reason '{reason}', expected one containing '{ExpectedReason(input.Kind)}'");
                    }

                    continue;
                }

                foreach (string reason in input.ParkedReasons)
                {
                    report.Problem($"{input.Name} ({input.Kind}) is a good image but was parked as bad input: '{reason}'");
                }

                // At least one notification failed maxReceiveCount times: reported on every receive when the redrive policy moved
                // it, on all but the last (where the worker parked it) otherwise. A forward that failed after SQS stored the
                // message can leave two copies of one notification.
                foreach (string reason in input.ExhaustedReasons.Where(r => ReceivesIn(r) < FaceBlurScenario.MaxReceiveCount))
                {
                    report.Problem($"{input.Name} parked before its last receive: '{reason}'");
                }

                int requiredFailures = input.Redriven > 0 ? FaceBlurScenario.MaxReceiveCount : input.Exhausted > 0 ? FaceBlurScenario.MaxReceiveCount - 1 : 0;
                if (failedReceives.GetValueOrDefault(FaceBlurScenario.InputPrefix + input.Name) < requiredFailures)
                {
                    report.Problem($"{input.Name} is in the dead-letter queue {input.TimedOut} time(s) after only {failedReceives.GetValueOrDefault(FaceBlurScenario.InputPrefix + input.Name)} failed receive(s)");
                }

                if (input.DetectorDown && input.Delivered)
                {
                    report.Extra++;
                    report.Problem($"{input.Name}: DetectFaces never succeeded for it, yet it was delivered (copied through unblurred)");
                }

                if (input.Delivered && input.Faces.Length > 0 && !rekognition.LastAnswers.ContainsKey(scenario.SourceBucket + "/" + FaceBlurScenario.InputPrefix + input.Name))
                {
                    report.Problem($"{input.Name}: delivered without any successful DetectFaces answer");
                }

                if (!input.Delivered && inDeadLetterQueue < input.Notifications)
                {
                    report.Lost++;
                    report.Problem($"{input.Name} ({input.Kind}): neither delivered nor in the dead-letter queue ({inDeadLetterQueue} of {input.Notifications} notification(s) there)");
                }

                if (input.Delivered)
                {
                    (byte[] delivered, string contentType, _) = await scenario.OutputAsync(input.Name);
                    bool isPng = input.Kind is Kind.FacePng or Kind.PlainPng;
                    if (contentType != (isPng ? "image/png" : "image/jpeg"))
                    {
                        report.Problem($"{input.Name}: delivered as {contentType}");
                    }

                    if (SampleImages.ContainsMarker(delivered))
                    {
                        report.Problem($"{input.Name}: the source's metadata reached the destination");
                    }

                    using SKBitmap? after = SKBitmap.Decode(delivered);
                    SKBitmap before = isPng ? pngPixels : jpegPixels;
                    if (after is null || after.Width != before.Width || after.Height != before.Height)
                    {
                        report.Problem($"{input.Name}: the output is not a {before.Width}x{before.Height} image");
                        continue;
                    }

                    if (input.Faces.Length == 0)
                    {
                        if (!after.GetPixelSpan().SequenceEqual(before.GetPixelSpan()))
                        {
                            report.Problem($"{input.Name}: an image without faces was delivered with other pixels");
                        }

                        continue;
                    }

                    // Never an unblurred face: every box Rekognition reported has lost most of its detail.
                    foreach (SKRectI box in input.Faces.Select(Pixels))
                    {
                        double ratio = SampleImages.Detail(after, box) / SampleImages.Detail(before, box);
                        worstRatio = Math.Max(worstRatio, ratio);
                        faceChecks++;
                        if (ratio > 0.5)
                        {
                            report.Problem($"{input.Name}: UNBLURRED FACE delivered: the box {box} keeps {ratio:P0} of its detail");
                        }
                    }
                }
            }

            int badInputs = inputs.Count(i => i.Kind >= Kind.Truncated);
            report.Inputs = inputs.Count;
            report.Duplicates = notifications.Count - inputs.Count;
            report.BadInputs = badInputs;
            report.Processed = inputs.Count(i => i.Delivered);
            report.Parked = inputs.Count(i => i.ParkedReasons.Count > 0);
            report.DeadLettered = inputs.Count(i => i.TimedOut > 0 && !i.Delivered);
            var forwardFailures = new ForwardFailureLog();
            foreach (JsonNode line in scenario.Logs)
            {
                forwardFailures.WriteLine(line.ToJsonString());
            }

            forwardFailures.Check(report, dead.Count(m => m.MessageAttributes?.ContainsKey(ReasonAttribute) != true), faults);
            report.Row("notifications sent", notifications.Count);
            report.Row("images with faces / without / bad", $"{inputs.Count(i => i.Faces.Length > 0)} / {inputs.Count(i => i.Kind is Kind.PlainJpeg or Kind.PlainPng)} / {badInputs}");
            report.Row("faces checked in outputs", faceChecks);
            report.Row("worst detail kept in a face box", worstRatio.ToString("P0", CultureInfo.InvariantCulture));
            report.Row("worker invocations", scenario.Invocations.Count);
            report.Row("failed receives (reported or thrown)", failedReceives.Values.Sum());
            report.Row("DetectFaces requests", rekognition.CallsFor(scenario.SourceBucket).Count);
            report.Row("good images in the DLQ (after 3 failed receives)", report.DeadLettered);
            report.Row("of which the detector never answered (persistent 500)", inputs.Count(i => i.DetectorDown && i.TimedOut > 0 && !i.Delivered));
            report.Row("time: uploads / worker / checks, s", string.Create(CultureInfo.InvariantCulture, $"{uploaded.TotalSeconds:0.0} / {(driven - uploaded).TotalSeconds:0.0} / {(report.Elapsed - driven).TotalSeconds:0.0}"));
            report.Row("delivered and also in the DLQ (a duplicate notification failed 3 times)", inputs.Count(i => i.Delivered && i.TimedOut > 0));
            report.Section("Bad input parked, by kind", string.Join("\n", inputs.Where(i => i.Kind >= Kind.Truncated).GroupBy(i => i.Kind).OrderBy(g => g.Key)
                .Select(g => $"- {g.Key}: {g.Count()} uploads, {g.Sum(i => i.ParkedReasons.Count)} parked with a reason, {g.Sum(i => i.Exhausted)} with retries exhausted, {g.Sum(i => i.Redriven)} redriven (forward failed); e.g. \"{g.SelectMany(i => i.ParkedReasons).FirstOrDefault()}\"")));
        }
        finally
        {
            rekognition.Faults = null;
        }

        if (!faults.InjectedAtLeastThePlannedRate(out string rate))
        {
            report.Problem($"the fault layer injected less than planned: {rate}");
        }

        report.Write();
        if (report.Problems.Count > 0)
        {
            scenario.WriteLogs(300);
            Assert.Fail(report.Failure());
        }

        output.WriteLine(report.SummaryLine());
    }

    private static Kind Pick(Random random) => random.NextDouble() switch
    {
        < 0.44 => Kind.FaceJpeg,
        < 0.64 => Kind.PlainJpeg,
        < 0.76 => Kind.FacePng,
        < 0.86 => Kind.PlainPng,
        _ => (Kind)random.Next((int)Kind.Truncated, (int)Kind.Text + 1),
    };

    // One to three faces, as Rekognition reports them (ratios of the image), wholly inside it.
    private static (double Left, double Top, double Width, double Height)[] Faces(Random random) =>
        Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
        {
            double width = 0.12 + (random.NextDouble() * 0.2);
            double height = 0.15 + (random.NextDouble() * 0.25);
            return (Math.Round(random.NextDouble() * (1 - width), 3), Math.Round(random.NextDouble() * (1 - height), 3), Math.Round(width, 3), Math.Round(height, 3));
        }).ToArray();

    private static SKRectI Pixels((double Left, double Top, double Width, double Height) face)
    {
        int left = (int)Math.Ceiling(face.Left * SampleImages.Width);
        int top = (int)Math.Ceiling(face.Top * SampleImages.Height);
        int right = (int)Math.Floor((face.Left + face.Width) * SampleImages.Width);
        int bottom = (int)Math.Floor((face.Top + face.Height) * SampleImages.Height);
        return new SKRectI(left, top, right, bottom);
    }

    private static string ExpectedReason(Kind kind) => kind switch
    {
        Kind.Truncated => "truncated",
        Kind.Corrupt => "JPEG",
        Kind.Bomb => "MAX_PIXELS=40000000",
        Kind.Empty => "empty",
        _ => "not JPEG or PNG",
    };

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    // The upload a notification names (its key, URL-decoded, without the input prefix).
    private static string NameOf(string notification)
    {
        string encoded = (string)JsonNode.Parse(notification)!["Records"]![0]!["s3"]!["object"]!["key"]!;
        string key = Uri.UnescapeDataString(encoded.Replace('+', ' '));
        return key.StartsWith(FaceBlurScenario.InputPrefix, StringComparison.Ordinal) ? key[FaceBlurScenario.InputPrefix.Length..] : key;
    }

    // Per source key: the receives that failed (a batch item failure or a thrown invocation).
    private static Dictionary<string, int> FailedReceives(FaceBlurScenario scenario)
    {
        var failed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string payload, string? response, Exception? error) in scenario.Invocations)
        {
            if (error is null && (response is null || !response.Contains("itemIdentifier", StringComparison.Ordinal)))
            {
                continue;
            }

            string body = (string)JsonNode.Parse(payload)!["Records"]![0]!["body"]!;
            string key = FaceBlurScenario.InputPrefix + NameOf(body);
            failed[key] = failed.GetValueOrDefault(key) + 1;
        }

        return failed;
    }

    /// <summary>N of "retries exhausted after N receives: ...".</summary>
    private static int ReceivesIn(string reason)
    {
        string rest = reason["retries exhausted after ".Length..];
        return int.Parse(rest[..rest.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "...";

    private sealed class Input(string name, Kind kind, byte[] content, (double Left, double Top, double Width, double Height)[] faces)
    {
        public string Name { get; } = name;

        public Kind Kind { get; } = kind;

        public byte[] Content { get; } = content;

        public (double Left, double Top, double Width, double Height)[] Faces { get; } = faces;

        public int Notifications { get; set; }

        public bool Delivered { get; set; }

        public List<string> ParkedReasons { get; } = [];

        /// <summary>Dead letters without a reason: moved by the redrive policy because the worker's forward failed.</summary>
        public int Redriven { get; set; }

        /// <summary>Dead letters with the reason "retries exhausted after N receives".</summary>
        public List<string> ExhaustedReasons { get; } = [];

        public int Exhausted => ExhaustedReasons.Count;

        /// <summary>Dead letters after maxReceiveCount failed receives, with or without the reason.</summary>
        public int TimedOut => Exhausted + Redriven;

        public bool DetectorDown { get; init; }
    }
}
