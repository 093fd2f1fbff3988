using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Transfer;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Uploads.Bench;
using Patterns.Cdk.IntegrationTests.Uploads.Host;
using Patterns.Cdk.Uploads.Client;

// Upload benchmark (README.md beside this file). Without arguments it orchestrates: starts the emulators, the S3 front,
// writes the test file, runs each uploader once in its own process, checks the stored object, prints a Markdown table.
// With `uploader <name> ...` it is one measured uploader process (prints one JSON line).
const string AccessKey = "AKIABENCHUPLOADS0001";
const string SecretKey = "bench-secret";
const string Region = "us-east-1";

if (args.Length > 0 && args[0] == "uploader")
{
    return await UploaderAsync(args[1], new Uri(args[2]), args[3], args[4], args[5]);
}

long sizeMiB = 1024;
bool separateCores = false; // --separate-cores: the uploader on CPU 0, this process (S3 endpoint, API) on CPU 1
int rounds = 1; // --rounds N: every uploader N times, interleaved; medians
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size-mib":
            sizeMiB = long.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--separate-cores":
            separateCores = true;
            break;
        case "--rounds":
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument {args[i]}; usage: [--size-mib N] [--rounds N] [--separate-cores]");
            return 2;
    }
}

if (separateCores)
{
    if (Environment.ProcessorCount < 2)
    {
        await Console.Error.WriteLineAsync("--separate-cores needs at least 2 CPUs");
        return 2;
    }

    // The endpoints and the API on CPU 1: every thread of this process now (taskset -a), and the ones started later
    // inherit it, as do the emulators' process.
    using Process pin = Process.Start("taskset", ["-a", "-c", "-p", "1", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])!;
    pin.WaitForExit();
}

string root = FindRoot();
using Process emulators = StartEmulators(root, out Uri s3Endpoint, out Uri dynamoEndpoint);
try
{
    using var front = new S3Front(s3Endpoint, new Dictionary<string, string> { [AccessKey] = SecretKey });
    using var s3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config { ServiceURL = s3Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = Region });
    string bucket = "bench-" + Guid.NewGuid().ToString("N")[..8];
    await s3.PutBucketAsync(bucket);

    // The upload API, as the integration tests host it: the three handlers in-process behind the SigV4-checking host.
    using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonDynamoDBConfig { ServiceURL = dynamoEndpoint.ToString(), AuthenticationRegion = Region });
    string table = "bench-sessions-" + Guid.NewGuid().ToString("N")[..8];
    await dynamo.CreateTableAsync(new CreateTableRequest
    {
        TableName = table, KeySchema = [new KeySchemaElement("pk", KeyType.HASH)], AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)], BillingMode = BillingMode.PAY_PER_REQUEST,
    });
    using var events = new FakeEventBridge();
    using var eventHttp = new HttpClient();
    var eventBridge = new AmazonEventBridgeClientStandIn(new AwsStandInTransport(eventHttp, () => new BasicAWSCredentials(AccessKey, SecretKey), "events", Region, events.Url, TimeProvider.System), TimeSpan.FromSeconds(10));
    var caller = new ApiCaller(AccessKey, SecretKey, "111122223333", "AROABENCHUPLOADER001", "bench");

    // The upload API as the integration tests host it (the three handlers in-process behind the SigV4-checking host),
    // its functions' S3 client pointed at the given endpoint, so that the part URLs it presigns point there too.
    LocalUploadApi StartApi(AmazonS3Client functionsS3, string apiBucket)
    {
        var settings = new UploadSettings
        {
            Bucket = apiBucket, Table = table, AllowedContentTypes = ["application/octet-stream"], MaxUploadBytes = 5L << 30, EventBridgeEndpoint = events.Url,
        };
        var log = new JsonLog(Stream.Null, _ => "WARN", TimeProvider.System);
        var sessions = new UploadSessions(functionsS3, dynamo, settings, log);
        var completer = new UploadCompleter(functionsS3, dynamo, eventBridge, settings, log);
        var direct = new DirectUpload(functionsS3, dynamo, eventBridge, settings, log);
        return new LocalUploadApi([caller], ["application/octet-stream"], async (function, payload) =>
        {
            using var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(payload));
            Stream output = function switch
            {
                "UploadSessions" => await sessions.HandleAsync(input),
                "UploadCompleter" => await completer.HandleAsync(input),
                _ => await direct.HandleAsync(input),
            };
            using var reader = new StreamReader(output);
            return await reader.ReadToEndAsync();
        });
    }

    using X509Certificate2 certificate = LeanS3.CreateCertificate();
    string pin = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    await using LeanS3 leanTls = await LeanS3.StartAsync(certificate);
    using var leanTlsS3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = leanTls.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = Region, HttpClientFactory = new PinnedHttpClientFactory(pin),
    });
    await leanTlsS3.PutBucketAsync(bucket);
    using LocalUploadApi leanTlsApi = StartApi(leanTlsS3, bucket);
    await using LeanS3 lean = await LeanS3.StartAsync();
    using var leanS3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config { ServiceURL = lean.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = Region });
    await leanS3.PutBucketAsync(bucket);
    using var functionsS3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config { ServiceURL = front.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = Region });
    using LocalUploadApi api = StartApi(functionsS3, bucket);
    using LocalUploadApi leanApi = StartApi(leanS3, bucket);

    string file = Path.Combine(Path.GetTempPath(), $"upload-bench-{sizeMiB}MiB.bin");
    byte[] sourceHash = WriteFile(file, sizeMiB * 1024 * 1024);
    Console.Error.WriteLine($"file {file}: {sizeMiB} MiB, sha256 {Convert.ToHexStringLower(sourceHash)}");

    const string OurClient = "Patterns.Cdk.Uploads.Client (defaults: 8 parts in flight)";
    const string Tu = "TransferUtility (defaults)";
    (string Name, string Uploader, Uri Endpoint, string Via, AmazonS3Client Store, string? Pinned)[] targets =
    [
        (OurClient, "client", leanTlsApi.InvokeUrl, "lean S3 (Kestrel), https", leanTlsS3, pin),
        (Tu, "transfer-utility", leanTls.Url, "lean S3 (Kestrel), https", leanTlsS3, pin),
        (OurClient, "client", leanApi.InvokeUrl, "lean S3 (Kestrel), http", leanS3, null),
        (Tu, "transfer-utility", lean.Url, "lean S3 (Kestrel), http", leanS3, null),
        (OurClient, "client", api.InvokeUrl, "S3 front over fauxqs, http", s3, null),
        (Tu, "transfer-utility", front.Url, "S3 front over fauxqs, http", s3, null),
        (Tu, "transfer-utility", s3Endpoint, "fauxqs directly, http", s3, null),
    ];
    var results = targets.Select(_ => new List<Result>()).ToArray();
    var payloads = new string[targets.Length];
    for (int round = 0; round < rounds; round++)
    {
        for (int t = 0; t < targets.Length; t++)
        {
            (string name, string uploader, Uri endpoint, string via, AmazonS3Client store, string? pinned) = targets[t];
            string key = $"bench/{round}-{t}/{Path.GetFileName(file)}";
            TimeSpan hostCpu = Process.GetCurrentProcess().TotalProcessorTime;
            double emulatorCpu = CpuSecondsOf(emulators.Id);
            Result result = RunChild(uploader, endpoint, bucket, key, file, pinned, separateCores) with
            {
                HostCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - hostCpu).TotalSeconds,
                EmulatorCpuSeconds = CpuSecondsOf(emulators.Id) - emulatorCpu,
            };
            if (uploader == "client")
            {
                key = result.Key ?? throw new InvalidOperationException("the client reported no key");
            }

            using (var stored = await store.GetObjectAsync(bucket, key))
            await using (Stream body = stored.ResponseStream)
            {
                byte[] storedHash = await SHA256.HashDataAsync(body);
                if (!storedHash.AsSpan().SequenceEqual(sourceHash))
                {
                    throw new InvalidOperationException($"{name} via {via}: the stored object's SHA-256 differs from the file's.");
                }
            }

            await store.DeleteObjectAsync(bucket, key); // fauxqs keeps objects in memory
            results[t].Add(result);
            payloads[t] = via.StartsWith("lean", StringComparison.Ordinal) ? (via.EndsWith("https", StringComparison.Ordinal) ? leanTls : lean).TakePartPayloads() : "–";
        }
    }

    static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    Console.WriteLine($"{sizeMiB} MiB, {rounds} round(s), {(separateCores ? "uploader on CPU 0, endpoints and API on CPU 1" : "all processes on all CPUs")}; medians over the rounds; MB/s of each round in the last column");
    Console.WriteLine();
    Console.WriteLine("| uploader | S3 endpoint | seconds | MB/s | peak RSS (VmHWM) | uploader CPU s | benchmark process CPU s | emulators CPU s | MB/s per round |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (int t = 0; t < targets.Length; t++)
    {
        List<Result> r = results[t];
        double seconds = Median(r.Select(x => x.Seconds));
        string perRound = string.Join(", ", r.Select(x => (x.Bytes / 1e6 / x.Seconds).ToString("0.0", CultureInfo.InvariantCulture)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {targets[t].Name} | {targets[t].Via} | {seconds:0.00} | {r[0].Bytes / 1e6 / seconds:0.0} | {Median(r.Select(x => x.PeakRssKiB / 1024.0)):0} MiB | {Median(r.Select(x => x.CpuSeconds)):0.00} | {Median(r.Select(x => x.HostCpuSeconds)):0.00} | {Median(r.Select(x => x.EmulatorCpuSeconds)):0.00} | {perRound} |"));
    }

    Console.WriteLine();
    Console.WriteLine("MB/s = 10^6 bytes per second of wall time for the whole upload; every stored object's SHA-256 was checked against the file.");
    Console.WriteLine("Part bodies as the lean S3 received them in the last round (x-amz-content-sha256):");
    for (int t = 0; t < targets.Length; t++)
    {
        if (payloads[t] != "–")
        {
            Console.WriteLine($"- {targets[t].Name}, {targets[t].Via}: {payloads[t]}");
        }
    }

    Console.WriteLine("CPU s: user + system time over the uploader's run of the uploader process (its start included), of the benchmark process (the lean S3 or the S3 front, and for our client the API with its handlers) and of the emulators' Node.js process (fauxqs, and dynalite for our client's sessions).");
    return 0;
}
finally
{
    emulators.StandardInput.Close();
    emulators.WaitForExit(10_000);
}

static Result RunChild(string uploader, Uri endpoint, string bucket, string key, string file, string? pinnedCertificate, bool onCpu0)
{
    string self = typeof(Result).Assembly.Location;
    string[] command = ["dotnet", self, "uploader", uploader, endpoint.ToString(), bucket, key, file];
    var start = new ProcessStartInfo(onCpu0 ? "taskset" : command[0], onCpu0 ? ["-c", "0", .. command] : command[1..])
    {
        RedirectStandardOutput = true, UseShellExecute = false,
    };
    if (pinnedCertificate is not null)
    {
        start.Environment["BENCH_PINNED_CERT"] = pinnedCertificate; // the lean S3's https certificate, the only one trusted
    }

    using Process child = Process.Start(start)!;
    string output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    if (child.ExitCode != 0)
    {
        throw new InvalidOperationException($"uploader {uploader} failed (exit {child.ExitCode}): {output}");
    }

    return JsonSerializer.Deserialize<Result>(output.Trim().Split('\n')[^1])!;
}

static async Task<int> UploaderAsync(string uploader, Uri endpoint, string bucket, string key, string file)
{
    string? pin = Environment.GetEnvironmentVariable("BENCH_PINNED_CERT");
    var clock = Stopwatch.StartNew();
    switch (uploader)
    {
        case "transfer-utility":
            var config = new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = Region };
            if (pin is not null)
            {
                config.HttpClientFactory = new PinnedHttpClientFactory(pin); // transport only: TransferUtility's settings stay the defaults
            }

            using (var s3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), config))
            using (var transfer = new TransferUtility(s3))
            {
                await transfer.UploadAsync(file, bucket, key);
            }

            break;
        case "client":
            // With https, the storage client trusts only the lean S3's certificate; otherwise as UploadClient's own
            // default (the same handler settings either way).
            using (HttpClient? storage = pin is null ? null : new HttpClient(PinnedStorageHandler(pin)) { Timeout = Timeout.InfiniteTimeSpan })
            using (var client = new UploadClient(
                new UploadClientOptions
                {
                    ApiUrl = endpoint, Region = Region, Credentials = new BasicAWSCredentials(AccessKey, SecretKey),
                    MaxParallelParts = int.TryParse(Environment.GetEnvironmentVariable("BENCH_PARALLEL"), CultureInfo.InvariantCulture, out int p) ? p : 8, // 8: the default
                },
                storageHttp: storage))
            {
                UploadResult uploaded = await client.UploadAsync(file, new UploadRequest { ContentType = "application/octet-stream", SendSha256 = Environment.GetEnvironmentVariable("BENCH_NO_SHA") is null });
                key = uploaded.Key;
            }

            break;
        default:
            await Console.Error.WriteLineAsync($"unknown uploader {uploader}");
            return 2;
    }

    double seconds = clock.Elapsed.TotalSeconds;
    double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    Console.WriteLine(JsonSerializer.Serialize(new Result(seconds, new FileInfo(file).Length, PeakRssKiB(), key) { CpuSeconds = cpu }));
    return 0;
}

static long PeakRssKiB()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

static SocketsHttpHandler PinnedStorageHandler(string pin)
{
    SocketsHttpHandler handler = LeanS3.PinnedHandler(pin);
    handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    handler.AutomaticDecompression = System.Net.DecompressionMethods.None;
    handler.AllowAutoRedirect = false;
    handler.MaxConnectionsPerServer = 10; // UploadClient's default for 8 parts in flight
    return handler;
}

static double CpuSecondsOf(int pid)
{
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux)
    string stat = File.ReadAllText($"/proc/{pid}/stat");
    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

static byte[] WriteFile(string path, long size)
{
    // Deterministic, incompressible content; reused when it already exists with the right size.
    if (!File.Exists(path) || new FileInfo(path).Length != size)
    {
        var random = new Random(13);
        byte[] chunk = new byte[8 * 1024 * 1024];
        using FileStream output = File.Create(path);
        for (long written = 0; written < size; written += chunk.Length)
        {
            random.NextBytes(chunk);
            output.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }
    }

    using FileStream input = File.OpenRead(path);
    return SHA256.HashData(input);
}

static string FindRoot()
{
    for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
    {
        if (File.Exists(Path.Combine(dir, "Patterns.Cdk.sln")))
        {
            return dir;
        }
    }

    throw new InvalidOperationException("Run the benchmark from inside the repository (Patterns.Cdk.sln not found above the binary).");
}

static Process StartEmulators(string root, out Uri s3, out Uri dynamodb)
{
    var start = new ProcessStartInfo("node", [Path.Combine(root, "tools", "emulators", "start.mjs")])
    {
        WorkingDirectory = root, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
    };
    Process process = Process.Start(start)!;
    string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the emulators did not start (run `npm ci` at the repository root)");
    using JsonDocument endpoints = JsonDocument.Parse(line);
    s3 = new Uri(endpoints.RootElement.GetProperty("s3").GetString()!);
    dynamodb = new Uri(endpoints.RootElement.GetProperty("dynamodb").GetString()!);
    return process;
}

internal sealed record Result(double Seconds, long Bytes, long PeakRssKiB, string? Key)
{
    public double CpuSeconds { get; init; }

    public double HostCpuSeconds { get; init; }

    public double EmulatorCpuSeconds { get; init; }
}
