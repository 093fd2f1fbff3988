using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.IntegrationTests.Uploads.Host;
using Patterns.Cdk.Uploads.Client;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>
/// The conservation run of the PrivateUploadApi data path (issue 15): the real <see cref="UploadClient"/> uploads many
/// files (single POST forms and multipart, one or more of 10 to 13 parts, duplicates, callers who cancel, uploads doomed
/// by a request S3 keeps refusing, and bad inputs the API must refuse) through the local API and the S3 front over
/// fauxqs. The shared fault layer (<see cref="FaultInjector"/>) sits in the upload client's API and S3 pipelines and in
/// the functions' S3 and DynamoDB clients (500, 503, throttling in each service's shape, resets and timeouts before or
/// after the request was applied, bodies cut half way, latency); the S3 front adds the faults only S3 can make: expired
/// part URLs. At the end every upload must be complete (one object, byte-identical, an Upload.Completed event), aborted
/// (no object, no open multipart upload, no event) or refused with the expected reason; nothing else may be stored, and
/// fauxqs must hold no multipart upload beyond the known orphans. <c>PATTERNS_CONSERVATION=long</c> for the long run,
/// <c>PATTERNS_CONSERVATION_SEED</c> / <c>PATTERNS_CONSERVATION_FAULT_RATE</c> to replay or tune it. Writes
/// artifacts/integration/conservation/private-upload-api.md. Uploads run in parallel, so a seed replays the same files,
/// bad inputs, doomed and cancelled uploads, but the faults land on requests in arrival order, which timing can change.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class UploadConservationTests(EmulatorFixture emulators, ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const long Part = 8 * MiB;
    private const long MaxUploadBytes = 128 * MiB;

    private readonly string _dir = Directory.CreateTempSubdirectory("upload-conservation-").FullName;

    public void Dispose()
    {
        SdkRetryTuning.RestoreRetryQuotas(); // the faults spent the SDK's per-endpoint retry quotas; the next test gets them back
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Every_upload_ends_complete_aborted_or_refused_under_faults()
    {
        ConservationSettings settings = ConservationSettings.FromEnvironment();
        var report = new ConservationReport("private-upload-api", settings);
        List<Planned> plan = Plan(settings.Seed, settings.Inputs(50, 400), settings.IsLong ? 4 : 1, settings.IsLong);
        await Task.WhenAll(plan.Select(p => p.File).Distinct(ReferenceEqualityComparer.Instance).Cast<SourceFile>().ToList().Select(WriteAsync));

        // One fault layer for every HTTP client: the upload client's API and S3 calls, the functions' S3 and DynamoDB calls.
        var faults = new FaultInjector(settings.Seed, new FaultPlan
        {
            Rate = settings.FaultRate,
            LatencyRate = 0.05,
            MaxLatency = TimeSpan.FromMilliseconds(200),
            TimeoutAfter = TimeSpan.FromMilliseconds(300),
            Applies = (_, _) => true,
        });
        var expired = new ExpiringUrls(settings.Seed, settings.FaultRate);
        await using LocalUploadDeployment api = await LocalUploadDeployment.StartAsync(emulators, maxUploadBytes: MaxUploadBytes, faults: faults);
        var doomed = plan.Where(p => p.Doom is not null).ToDictionary(p => p.File.Name, p => p.Doom!, StringComparer.Ordinal);
        var expiring = plan.Where(p => p.ExpirePart is not null).GroupBy(p => p.File.Name).ToDictionary(g => g.Key, g => g.First().ExpirePart!.Value, StringComparer.Ordinal);
        api.Front.Faults = request => FrontFault(request, expired, doomed, expiring);

        using var slots = new SemaphoreSlim(settings.IsLong ? 8 : 6);
        await Task.WhenAll(plan.Select(async p =>
        {
            await slots.WaitAsync();
            try
            {
                await RunAsync(p, api, faults);
            }
            finally
            {
                slots.Release();
            }
        }));
        api.Front.Faults = null;
        faults.Enabled = false;
        TimeSpan uploading = report.Elapsed;

        Ledger ledger = await AccountAsync(plan, api);
        Fill(report, plan, ledger, faults, expired, uploading);
        string problems = Details(ledger) + Trace(plan, ledger, api);
        if (problems.Length > 0)
        {
            report.Section("Details", problems);
        }

        report.Write();
        output.WriteLine(report.SummaryLine());
        report.Problems.Should().BeEmpty(report.Failure());
        api.Api.FunctionErrors.Should().BeEmpty($"the handlers map every failure to an answer; replay with {settings.Replay}\n{api.Log}");
        api.Api.ServerErrors.Should().BeEmpty(settings.Replay);
        api.Front.ServerErrors.Should().BeEmpty(settings.Replay);
        faults.InjectedAtLeastThePlannedRate(out string rateCheck).Should().BeTrue(rateCheck);
        if (settings.FaultRate >= 0.10)
        {
            ((double)(faults.Failures + expired.Count) / faults.Requests).Should().BeGreaterThanOrEqualTo(0.10, $"at least 10% of the calls fail; {faults.Summary()}");
        }
    }

    /// <summary>The files and the uploads of one run, all from the seed.</summary>
    private List<Planned> Plan(int seed, int files, int manyPartFiles, bool longRun)
    {
        var random = new Random(seed);
        var plan = new List<Planned>();
        for (int i = 0; i < files; i++)
        {
            string ext = random.Next(4) switch { 0 => ".bin", 1 => ".pdf", 2 => ".csv", _ => ".png" };
            string name = $"f{i:D4}{ext}";
            if (i % 10 == 3)
            {
                // Bad input (one file in ten, the three kinds in turn): the API must refuse it before anything is stored.
                switch ((i / 10) % 3)
                {
                    case 0:
                        plan.Add(new Planned(plan.Count, new SourceFile(Path.Combine(_dir, name), random.Next(1, 300_000), i), "bad-type", "UnsupportedContentType") { ContentType = "application/x-msdownload" });
                        break;
                    case 1:
                        plan.Add(new Planned(plan.Count, new SourceFile(Path.Combine(_dir, name), MaxUploadBytes + 1 + random.Next(0, 1000), i, Sparse: true), "bad-size", "TooLarge"));
                        break;
                    default:
                        plan.Add(new Planned(plan.Count, new SourceFile(Path.Combine(_dir, name), random.Next(1, 1000), i), "bad-name", "InvalidFileName") { FileName = i % 2 == 0 ? ".." : new string('n', 300) + ".txt" });
                        break;
                }

                continue;
            }

            long size = i < manyPartFiles
                ? ((9 + (longRun ? random.Next(0, 4) : 0)) * Part) + random.Next(1, 100_000) // 10 to 13 parts (10 in the short run)
                : random.NextDouble() switch
                {
                    < 0.05 => random.Next(0, 2), // empty or one byte
                    < 0.45 => random.Next(2, 64 * 1024),
                    < 0.70 => random.Next(64 * 1024, (int)(2 * MiB)),
                    < 0.80 => random.NextInt64(2 * MiB, Part + 1), // up to exactly one part: still one POST form
                    _ => random.NextInt64(Part + 1, (2 * Part) + MiB), // two or three parts
                };
            var file = new SourceFile(Path.Combine(_dir, name), size, i);
            string kind = "good";
            Doom? doom = null;
            double fate = random.NextDouble();
            if (fate < 0.08)
            {
                kind = "cancel";
            }
            else if (fate < 0.14 && i >= manyPartFiles)
            {
                // Doomed: one request S3 keeps refusing, retryable (500 every time) or not (403).
                kind = "doomed";
                int partCount = size > Part ? (int)((size + Part - 1) / Part) : 0;
                doom = new Doom(partCount == 0 ? null : random.Next(1, partCount + 1), random.Next(2) == 0 ? 500 : 403, StoredFirst: random.Next(2) == 0);
            }

            // Half the multipart files also get one part whose first URL is expired when it arrives (on top of the random ones).
            int? expirePart = size > Part && random.Next(2) == 0 ? random.Next(1, (int)((size + Part - 1) / Part) + 1) : null;
            plan.Add(new Planned(plan.Count, file, kind, null) { Doom = doom, ExpirePart = expirePart, CancelAfter = TimeSpan.FromMilliseconds(random.Next(0, 150)) });
            if (doom is null && random.NextDouble() < 0.12)
            {
                // The same file again, as its own upload: two objects, both byte-identical.
                plan.Add(new Planned(plan.Count, file, "duplicate", null));
            }
        }

        // Interleave (duplicates not right after their first upload, big files not all at once), reproducibly.
        return [.. plan.OrderBy(p => new Random(seed + p.Index).Next())];
    }

    private static async Task WriteAsync(SourceFile file)
    {
        await using FileStream output = File.Create(file.Path);
        if (file.Sparse)
        {
            output.SetLength(file.Size);
            return;
        }

        var random = new Random(file.Seed);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[MiB];
        for (long written = 0; written < file.Size;)
        {
            int n = (int)Math.Min(chunk.Length, file.Size - written);
            random.NextBytes(chunk.AsSpan(0, n));
            sha.AppendData(chunk, 0, n);
            await output.WriteAsync(chunk.AsMemory(0, n));
            written += n;
        }

        file.Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task RunAsync(Planned p, LocalUploadDeployment api, FaultInjector faults)
    {
        using var apiHttp = new HttpClient(faults.CreateHandler("upload-client", "ApiGateway", Sockets())) { Timeout = Timeout.InfiniteTimeSpan };
        using var storageHttp = new HttpClient(faults.CreateHandler("upload-client", "S3", Sockets())) { Timeout = Timeout.InfiniteTimeSpan };
        using var client = new UploadClient(
            new UploadClientOptions
            {
                ApiUrl = api.Api.InvokeUrl,
                Region = EmulatorFixture.Region,
                Credentials = LocalUploadDeployment.Alice.Credentials,
                MaxParallelParts = 4,
                MaxAttemptsPerPart = 5,
                PartUrlBatchSize = 4,
                RequestTimeout = TimeSpan.FromSeconds(20),
            },
            apiHttp,
            storageHttp);
        using var cancel = new CancellationTokenSource();
        var request = new UploadRequest
        {
            FileName = p.FileName,
            ContentType = p.ContentType,
            SendSha256 = !p.File.Sparse,
            OnStarted = id =>
            {
                p.UploadId = id;
                if (p.Kind == "cancel")
                {
                    cancel.CancelAfter(p.CancelAfter);
                }
            },
        };
        try
        {
            p.Result = await client.UploadAsync(p.File.Path, request, cancellationToken: cancel.Token);
        }
        catch (Exception e)
        {
            p.Error = e;
        }
    }

    private static SocketsHttpHandler Sockets() => new() { AutomaticDecompression = System.Net.DecompressionMethods.None, AllowAutoRedirect = false, MaxConnectionsPerServer = 8 };

    /// <summary>
    /// The faults only S3 itself can produce, at the front: an expired part URL (the client must ask for a fresh one),
    /// and the doomed uploads' request refused every time (after, with StoredFirst, storing its first attempt and
    /// losing the answer). Everything else comes from the shared fault layer in the clients' pipelines.
    /// </summary>
    private static Fault? FrontFault(FrontRequest request, ExpiringUrls expired, Dictionary<string, Doom> doomed, Dictionary<string, int> expiring)
    {
        string file = request.Key[(request.Key.LastIndexOf('/') + 1)..];
        if (request.Presigned && doomed.TryGetValue(file, out Doom? doom)
            && (doom.PartNumber is { } part ? request.PartNumber == part : request.Operation == "PostObject"))
        {
            return doom.StoredFirst && request.Attempt == 1
                ? new Fault.LoseAnswer()
                : new Fault.Fail(doom.Status, doom.Status == 500 ? "InternalError" : "AccessDenied");
        }

        if (request.Operation != "UploadPart" || !request.Presigned)
        {
            return null;
        }

        bool planned = request.Attempt == 1 && expiring.TryGetValue(file, out int part2) && request.PartNumber == part2;
        return expired.Next(planned) ? new Fault.Expire() : null;
    }

    /// <summary>Seeded draws of the expired-URL fault (a host fault: the shared layer has no such kind), counted.</summary>
    private sealed class ExpiringUrls(int seed, double rate)
    {
        private readonly Random _random = new(seed ^ 0x0E17);
        private int _count;
        private int _seen;

        public int Count => Volatile.Read(ref _count);

        public int Seen => Volatile.Read(ref _seen);

        public bool Next(bool planned)
        {
            Interlocked.Increment(ref _seen);
            bool expire;
            lock (_random)
            {
                expire = _random.NextDouble() < rate || planned;
            }

            if (expire)
            {
                Interlocked.Increment(ref _count);
            }

            return expire;
        }
    }

    /// <summary>Accounts for every planned upload, every object, session and open multipart upload.</summary>
    private async Task<Ledger> AccountAsync(List<Planned> plan, LocalUploadDeployment api)
    {
        var ledger = new Ledger();
        List<Dictionary<string, AttributeValue>> sessions = await api.SessionsAsync();
        var sessionById = sessions.ToDictionary(i => i["pk"].S, StringComparer.Ordinal);
        List<S3Object> objects = await api.ObjectsAsync();
        var unclaimedObjects = objects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var completedEvents = api.Events.Of("Upload.Completed")
            .Select(e => (string?)JsonNode.Parse(e["Detail"]!.GetValue<string>())!["uploadId"])
            .GroupBy(id => id ?? string.Empty)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var open = api.Front.OpenUploadDetails.ToDictionary(u => u.UploadId, StringComparer.Ordinal);
        var claimedMultipart = new HashSet<string>(StringComparer.Ordinal);
        var seenIds = new HashSet<string>(StringComparer.Ordinal);

        foreach (Planned p in plan.OrderBy(p => p.Index))
        {
            string who = $"upload #{p.Index} {p.Kind} {p.File.Name} ({p.File.Size} B{(p.UploadId is null ? string.Empty : ", id " + p.UploadId)})";
            if (p.Refusal is { } expected)
            {
                if (p.UploadId is null && p.Error is UploadApiException refused && refused.Code == expected)
                {
                    ledger.Refused++;
                    ledger.Reasons[expected] = ledger.Reasons.GetValueOrDefault(expected) + 1;
                }
                else
                {
                    ledger.Lost.Add($"{who}: expected the API to refuse it with {expected}, got {(p.UploadId is null ? Describe(p.Error) : "an accepted upload")}");
                }

                continue;
            }

            if (p.UploadId is not { } id)
            {
                // POST /uploads never answered (every attempt failed): the caller holds the file and the error, and
                // whatever the server created meanwhile is an orphan session, checked below like any other.
                if (p.Error is UploadApiException { Code: "NetworkError" } or UploadApiException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError } or UploadApiException { StatusCode: System.Net.HttpStatusCode.TooManyRequests })
                {
                    ledger.NotStarted.Add($"{who}: {Describe(p.Error)}");
                }
                else
                {
                    ledger.Lost.Add($"{who}: never started ({Describe(p.Error)})");
                }

                continue;
            }

            seenIds.Add(id);
            if (!sessionById.TryGetValue(id, out Dictionary<string, AttributeValue>? session))
            {
                ledger.Lost.Add($"{who}: no session");
                continue;
            }

            string state = session["state"].S;
            string key = session["key"].S;
            string prefix = key[..(key.LastIndexOf('/') + 1)];
            List<S3Object> stored = objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            int events = completedEvents.GetValueOrDefault(id);
            if (session.TryGetValue("s3UploadId", out AttributeValue? s3Id) && s3Id.S is { } s3UploadId)
            {
                claimedMultipart.Add(s3UploadId);
                if (open.TryGetValue(s3UploadId, out var dangling))
                {
                    ledger.Other.Add($"{who}: session {state} but its multipart upload {s3UploadId} is still open with {dangling.Parts} part(s)");
                }
            }

            switch (state)
            {
                case "completed":
                    if (p.Doom is { StoredFirst: false })
                    {
                        ledger.Other.Add($"{who}: completed although S3 refused one of its requests every time");
                    }

                    if (stored.Count != 1 || stored[0].Key != key)
                    {
                        ledger.Extra.Add($"{who}: completed with {stored.Count} object(s) under {prefix}: {string.Join(", ", stored.Select(o => o.Key))}");
                        break;
                    }

                    using (GetObjectResponse got = await emulators.S3.GetObjectAsync(api.Bucket, key))
                    {
                        string sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(got.ResponseStream));
                        if (sha != p.File.Sha256)
                        {
                            ledger.Other.Add($"{who}: stored object's SHA-256 {sha} is not the file's {p.File.Sha256}");
                        }
                    }

                    if (events == 0)
                    {
                        ledger.Other.Add($"{who}: completed without an Upload.Completed event");
                    }

                    ledger.DuplicateEvents += Math.Max(0, events - 1);
                    if (p.Result is null)
                    {
                        ledger.CompleteButClientFailed.Add($"{who}: {Describe(p.Error)}");
                    }
                    else if (p.Result.Key != key || p.Result.UploadId != id)
                    {
                        ledger.Other.Add($"{who}: the client returned {p.Result.Key} for session key {key}");
                    }

                    unclaimedObjects.Remove(key);
                    if (p.Kind == "cancel")
                    {
                        ledger.CancelledComplete++;
                    }

                    ledger.Complete++;
                    ledger.CompleteBytes += p.File.Size;
                    break;
                case "aborted":
                    if (stored.Count > 0)
                    {
                        ledger.Extra.Add($"{who}: aborted but {stored.Count} object(s) left: {string.Join(", ", stored.Select(o => o.Key))}");
                        stored.ForEach(o => unclaimedObjects.Remove(o.Key));
                    }

                    if (events > 0)
                    {
                        ledger.Extra.Add($"{who}: aborted but {events} Upload.Completed event(s) published");
                    }

                    if (p.Result is not null)
                    {
                        ledger.Other.Add($"{who}: aborted but the client returned a result");
                    }

                    if (p.Kind is "good" or "duplicate")
                    {
                        ledger.AbortedGood.Add($"{who}: {Describe(p.Error)}");
                    }

                    if (p.Kind == "cancel")
                    {
                        ledger.CancelledAborted++;
                    }

                    ledger.Aborted++;
                    break;
                default:
                    ledger.Lost.Add($"{who}: session left {state} ({Describe(p.Error)})");
                    break;
            }
        }

        // Sessions no client saw: POST /uploads answered, the answer lost, the call retried (POST /uploads is not idempotent).
        foreach ((string id, Dictionary<string, AttributeValue> session) in sessionById.Where(s => !seenIds.Contains(s.Key)))
        {
            string state = session["state"].S;
            bool multipart = session["mode"].S == "multipart";
            if (state != "open" || objects.Any(o => o.Key.StartsWith(session["key"].S, StringComparison.Ordinal)))
            {
                ledger.Extra.Add($"session {id} ({session["fileName"].S}) that no client saw is {state} with objects");
                continue;
            }

            ledger.OrphanSessions++;
            if (multipart && session.TryGetValue("s3UploadId", out AttributeValue? s3Id))
            {
                claimedMultipart.Add(s3Id.S);
                if (open.TryGetValue(s3Id.S, out var orphan))
                {
                    ledger.OrphanUploads.Add(orphan);
                }
            }
        }

        // Multipart uploads no session names: CreateMultipartUpload answered, the answer lost, the SDK retried.
        foreach (var upload in open.Values.Where(u => !claimedMultipart.Contains(u.UploadId)))
        {
            ledger.OrphanUploads.Add(upload);
            ledger.SdkOrphans++;
        }

        foreach (var orphan in ledger.OrphanUploads)
        {
            if (orphan.Parts > 0)
            {
                ledger.Extra.Add($"orphaned multipart upload {orphan.UploadId} ({orphan.Key}) holds {orphan.Parts} part(s)");
            }
        }

        // A client that does not ask for fresh URLs sends an expired one again on every attempt; one that does may still
        // resend it once or twice when the "expired" answer itself was lost (a fault after the request reached S3).
        ledger.StaleUrlReuses = api.Front.StaleUrlReuses.Values.Sum();
        int stuck = api.Front.StaleUrlReuses.Values.Count(n => n >= 3);
        if (stuck > 0)
        {
            ledger.Other.Add($"{stuck} expired part URL(s) sent again 3 times or more without a new mint: the client does not ask for fresh URLs");
        }

        foreach (string key in unclaimedObjects)
        {
            ledger.Extra.Add($"object {key} belongs to no completed upload");
        }

        // What the lifecycle rule would do a day later, then the emulator's own word: fauxqs refuses to delete a bucket
        // with any multipart upload in progress, including ones the front never saw.
        foreach (var orphan in ledger.OrphanUploads)
        {
            await emulators.S3.AbortMultipartUploadAsync(api.Bucket, orphan.Key, orphan.UploadId);
        }

        foreach (S3Object o in objects)
        {
            await emulators.S3.DeleteObjectAsync(api.Bucket, o.Key);
        }

        try
        {
            await emulators.S3.DeleteBucketAsync(api.Bucket);
        }
        catch (Amazon.S3.AmazonS3Exception e)
        {
            ledger.Extra.Add($"fauxqs still holds multipart uploads (or objects) nobody accounted for: {e.ErrorCode} {e.Message}");
        }

        return ledger;
    }

    /// <summary>For the first problems: every front and API line of the upload, to read what happened.</summary>
    private static string Trace(List<Planned> plan, Ledger ledger, LocalUploadDeployment api)
    {
        var ids = ledger.Lost.Concat(ledger.Extra).Concat(ledger.Other)
            .Select(l => plan.FirstOrDefault(p => p.UploadId is not null && l.Contains(p.UploadId, StringComparison.Ordinal)))
            .Where(p => p is not null)
            .Distinct()
            .Take(4)
            .ToList();
        if (ids.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("Trace of the first problems:\n");
        foreach (Planned? p in ids)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nupload #{p!.Index} {p.Kind} {p.File.Name} {p.UploadId} ({Describe(p.Error)})\n\n```\n");
            foreach (ApiInvocation call in api.Api.Invocations.Where(c => c.Path.Contains(p.UploadId!, StringComparison.Ordinal) || (c.Body?.Contains(p.UploadId!, StringComparison.Ordinal) ?? false)))
            {
                sb.Append(CultureInfo.InvariantCulture, $"API {call.Method} {call.Resource} -> {call.Status}\n");
            }

            foreach (string line in api.Front.Log.Where(l => l.Contains(p.UploadId!, StringComparison.Ordinal)))
            {
                sb.Append(CultureInfo.InvariantCulture, $"S3 {line}\n");
            }

            sb.Append("```\n");
        }

        return sb.ToString();
    }

    private static string Describe(Exception? e) => e switch
    {
        null => "no error",
        UploadApiException api => $"{api.GetType().Name} {(int)api.StatusCode} {api.Code}: {api.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static void Fill(ConservationReport report, List<Planned> plan, Ledger ledger, FaultInjector faults, ExpiringUrls expired, TimeSpan uploading)
    {
        var ic = CultureInfo.InvariantCulture;
        int files = plan.Select(p => p.File.Path).Distinct().Count();
        report.Inputs = plan.Count;
        report.Duplicates = plan.Count(p => p.Kind == "duplicate");
        report.BadInputs = plan.Count(p => p.Refusal is not null);
        report.Processed = ledger.Complete;
        report.Parked = ledger.Refused;
        report.Lost = ledger.Lost.Count;
        report.Extra = ledger.Extra.Count + ledger.Other.Count;
        report.Faults = faults;
        report.Row("files", string.Create(ic, $"{files} ({plan.Where(p => p.Refusal is null).Select(p => p.File).Distinct(ReferenceEqualityComparer.Instance).Cast<SourceFile>().Sum(f => f.Size) / (double)MiB:0} MiB of good files)"));
        report.Row("uploads", $"{plan.Count(p => p.Kind == "good")} plain, {plan.Count(p => p.Kind == "duplicate")} duplicates, {plan.Count(p => p.Kind == "cancel")} cancelled by the caller, {plan.Count(p => p.Kind == "doomed")} doomed (one S3 request refused every time)");
        report.Row("sizes", $"{plan.Count(p => p.Refusal is null && p.File.Size <= Part)} single POST (0 B to 8 MiB), {plan.Count(p => p.Refusal is null && p.File.Size > Part && p.File.Size <= 3 * Part)} multipart of 2 or 3 parts, {plan.Count(p => p.Refusal is null && p.File.Size > 3 * Part)} of 10 to 13 parts");
        report.Row("bad inputs", string.Join(", ", plan.Where(p => p.Refusal is not null).GroupBy(p => p.Refusal).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}")));
        report.Row("faults: ExpiredUrl (S3 front, part PUTs)", $"{expired.Count} of {expired.Seen}; expired URLs sent again without a new one: {ledger.StaleUrlReuses}");
        report.Row("outcome: complete (one object, SHA-256 equal, event)", string.Create(ic, $"{ledger.Complete} ({ledger.CompleteBytes / (double)MiB:0} MiB)"));
        report.Row("outcome: aborted (no object, no open multipart upload, no event)", $"{ledger.Aborted}: {ledger.Aborted - ledger.AbortedGood.Count - ledger.CancelledAborted} doomed, {ledger.CancelledAborted} cancelled, {ledger.AbortedGood.Count} good ones whose retries ran out");
        report.Row("outcome: refused (reason)", $"{ledger.Refused} ({string.Join(", ", ledger.Reasons.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))})");
        report.Row("outcome: not started (POST /uploads failed on every attempt; the caller got the error, nothing stored)", ledger.NotStarted.Count);
        report.Row("cancelled uploads that ended complete (done, or the file in S3, when the cancel came)", ledger.CancelledComplete);
        report.Row("complete although the client threw", ledger.CompleteButClientFailed.Count);
        report.Row("duplicate Upload.Completed events (at least once)", ledger.DuplicateEvents);
        report.Row("orphaned sessions (POST /uploads retried after a lost answer; open, no parts)", ledger.OrphanSessions);
        report.Row("orphaned empty multipart uploads (the lifecycle rule aborts them)", $"{ledger.OrphanUploads.Count} ({ledger.SdkOrphans} with no session: CreateMultipartUpload or the session write retried)");
        report.Row("uploading time", string.Create(ic, $"{uploading.TotalSeconds:0.0} s"));
        foreach (string problem in ledger.Lost.Concat(ledger.Extra).Concat(ledger.Other))
        {
            report.Problem(problem);
        }
    }

    private static string Details(Ledger ledger)
    {
        var sb = new StringBuilder();
        foreach ((string title, List<string> lines) in new[] { ("Good uploads aborted", ledger.AbortedGood), ("Not started", ledger.NotStarted), ("Complete although the client threw", ledger.CompleteButClientFailed) })
        {
            if (lines.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{title}:\n\n");
                lines.ForEach(l => sb.Append(CultureInfo.InvariantCulture, $"- {l}\n"));
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    private sealed record SourceFile(string Path, long Size, int Seed, bool Sparse = false)
    {
        public string Name => System.IO.Path.GetFileName(Path);

        public string? Sha256 { get; set; }
    }

    /// <summary>
    /// One request S3 refuses every time: a part (multipart) or the POST form (single); with <paramref name="StoredFirst"/>
    /// the first attempt is stored and its answer lost, and only the later ones are refused.
    /// </summary>
    private sealed record Doom(int? PartNumber, int Status, bool StoredFirst);

    private sealed class Planned(int index, SourceFile file, string kind, string? refusal)
    {
        public int Index => index;

        public SourceFile File => file;

        public string Kind => kind;

        /// <summary>The error code the API must refuse this bad input with (null: a good input).</summary>
        public string? Refusal => refusal;

        public string? FileName { get; init; }

        public string? ContentType { get; init; }

        public Doom? Doom { get; init; }

        /// <summary>A part whose first URL is expired when it reaches S3 (multipart files, half of them).</summary>
        public int? ExpirePart { get; init; }

        public TimeSpan CancelAfter { get; init; }

        public string? UploadId { get; set; }

        public UploadResult? Result { get; set; }

        public Exception? Error { get; set; }
    }

    private sealed class Ledger
    {
        public int Complete { get; set; }

        public long CompleteBytes { get; set; }

        public int Aborted { get; set; }

        public int Refused { get; set; }

        public Dictionary<string, int> Reasons { get; } = [];

        public List<string> Lost { get; } = [];

        public List<string> Extra { get; } = [];

        public List<string> Other { get; } = [];

        public List<string> AbortedGood { get; } = [];

        public List<string> NotStarted { get; } = [];

        public List<string> CompleteButClientFailed { get; } = [];

        public int DuplicateEvents { get; set; }

        public int StaleUrlReuses { get; set; }

        public int CancelledComplete { get; set; }

        public int CancelledAborted { get; set; }

        public int OrphanSessions { get; set; }

        public int SdkOrphans { get; set; }

        public List<(string UploadId, string Key, int Parts)> OrphanUploads { get; } = [];
    }
}
