using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Transfer;
using Patterns.Cdk.IntegrationTests.Uploads.Host;

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

long sizeMiB = args.Length > 1 && args[0] == "--size-mib" ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
string root = FindRoot();
using Process emulators = StartEmulators(root, out Uri s3Endpoint);
try
{
    using var front = new S3Front(s3Endpoint, new Dictionary<string, string> { [AccessKey] = SecretKey });
    using var s3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config { ServiceURL = s3Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = Region });
    string bucket = "bench-" + Guid.NewGuid().ToString("N")[..8];
    await s3.PutBucketAsync(bucket);

    string file = Path.Combine(Path.GetTempPath(), $"upload-bench-{sizeMiB}MiB.bin");
    byte[] sourceHash = WriteFile(file, sizeMiB * 1024 * 1024);
    Console.Error.WriteLine($"file {file}: {sizeMiB} MiB, sha256 {Convert.ToHexStringLower(sourceHash)}");

    var rows = new List<(string Name, string Via, Result Result)>();
    foreach ((string name, Uri endpoint, string via) in new[]
    {
        ("TransferUtility (defaults)", front.Url, "S3 front over fauxqs"),
        ("TransferUtility (defaults)", s3Endpoint, "fauxqs directly"),
    })
    {
        string key = $"bench/{rows.Count}/{Path.GetFileName(file)}";
        Result result = RunChild("transfer-utility", endpoint, bucket, key, file);
        using (var stored = await s3.GetObjectAsync(bucket, key))
        await using (Stream body = stored.ResponseStream)
        {
            byte[] storedHash = await SHA256.HashDataAsync(body);
            if (!storedHash.AsSpan().SequenceEqual(sourceHash))
            {
                throw new InvalidOperationException($"{name} via {via}: the stored object's SHA-256 differs from the file's.");
            }
        }

        await s3.DeleteObjectAsync(bucket, key); // fauxqs keeps objects in memory
        rows.Add((name, via, result));
    }

    Console.WriteLine($"| uploader | S3 endpoint | file | seconds | MB/s | peak RSS (VmHWM) |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach ((string name, string via, Result r) in rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {via} | {sizeMiB} MiB | {r.Seconds:0.00} | {r.Bytes / 1e6 / r.Seconds:0.0} | {r.PeakRssKiB / 1024.0:0} MiB |"));
    }

    Console.WriteLine();
    Console.WriteLine("MB/s = 10^6 bytes per second of wall time for the whole upload; every stored object's SHA-256 was checked against the file.");
    return 0;
}
finally
{
    emulators.StandardInput.Close();
    emulators.WaitForExit(10_000);
}

static Result RunChild(string uploader, Uri endpoint, string bucket, string key, string file)
{
    string self = typeof(Result).Assembly.Location;
    var start = new ProcessStartInfo("dotnet", [self, "uploader", uploader, endpoint.ToString(), bucket, key, file]) { RedirectStandardOutput = true, UseShellExecute = false };
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
    var clock = Stopwatch.StartNew();
    switch (uploader)
    {
        case "transfer-utility":
            using (var s3 = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = Region }))
            using (var transfer = new TransferUtility(s3))
            {
                await transfer.UploadAsync(file, bucket, key);
            }

            break;
        default:
            await Console.Error.WriteLineAsync($"unknown uploader {uploader}");
            return 2;
    }

    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(JsonSerializer.Serialize(new Result(seconds, new FileInfo(file).Length, PeakRssKiB())));
    return 0;
}

static long PeakRssKiB()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
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

static Process StartEmulators(string root, out Uri s3)
{
    var start = new ProcessStartInfo("node", [Path.Combine(root, "tools", "emulators", "start.mjs")])
    {
        WorkingDirectory = root, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
    };
    Process process = Process.Start(start)!;
    string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the emulators did not start (run `npm ci` at the repository root)");
    using JsonDocument endpoints = JsonDocument.Parse(line);
    s3 = new Uri(endpoints.RootElement.GetProperty("s3").GetString()!);
    return process;
}

internal sealed record Result(double Seconds, long Bytes, long PeakRssKiB);
