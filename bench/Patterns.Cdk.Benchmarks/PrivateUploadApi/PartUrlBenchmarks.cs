using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NSubstitute;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.PrivateUploadApi.Store;
using Patterns.Cdk.Functions.Shared;

// MD5 here is S3's Content-MD5 integrity check, not a security measure.
#pragma warning disable CA5351

namespace Patterns.Cdk.Benchmarks.PrivateUploadApi;

/// <summary>
/// The time for the upload API to hand out 10,000 part URLs (issue 13: the seed timed out at 3 s presigning many parts):
/// ten <c>POST /uploads/{id}/parts</c> requests of 1,000 part numbers each, through <see cref="UploadSessions"/>'s real
/// request path (route, caller scope, JSON body, session read, ownership, part checks, presigning with a real
/// AWSSDK.S3 client, 200 body), for a 10,000-part upload. Presigning is local; the session read is an in-memory
/// DynamoDB substitute, so the figure excludes the one GetItem per request (a few ms each in AWS).
/// </summary>
[MemoryDiagnoser]
public class PartUrlBenchmarks : IDisposable
{
    public const int Calls = 10;
    public const int PartsPerCall = 1000;

    private const string UploadId = "0123456789abcdef0123456789abcdef";
    private const string Account = "111122223333";
    private const string Role = "AROA3XFRBF535PLBIFPI4";

    private UploadSessions handler = null!;
    private AmazonS3Client s3 = null!;
    private RestApiProxyRequest[] plain = [];
    private RestApiProxyRequest[] withMd5 = [];

    [GlobalSetup]
    public void Setup()
    {
        s3 = new AmazonS3Client(new SessionAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"), RegionEndpoint.EUWest1);
        long size = 10_000L * 8 * 1024 * 1024;
        var session = new UploadSession
        {
            UploadId = UploadId,
            Owner = $"{Account}/{Role}",
            Key = $"uploads/{Account}/{Role}/{UploadId}/dataset.zip",
            Mode = UploadMode.Multipart,
            State = SessionStates.Open,
            S3UploadId = "VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA",
            FileName = "dataset.zip",
            ContentType = "application/zip",
            Size = size,
            PartSize = 8 * 1024 * 1024,
            PartCount = 10_000,
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        };
        Dictionary<string, AttributeValue> item = UploadSessionStore.ToItem(session);
        IAmazonDynamoDB dynamoDb = Substitute.For<IAmazonDynamoDB>();
        dynamoDb.GetItemAsync(Arg.Any<GetItemRequest>(), Arg.Any<CancellationToken>()).Returns(_ => new GetItemResponse { Item = item });
        var settings = new UploadSettings
        {
            Bucket = "upload-bucket",
            Table = "upload-sessions",
            AllowedContentTypes = ["application/zip"],
            UrlExpiry = TimeSpan.FromMinutes(15),
        };
        handler = new UploadSessions(s3, dynamoDb, settings, new JsonLog(Stream.Null, _ => null, TimeProvider.System));
        string md5 = Convert.ToBase64String(MD5.HashData(Encoding.UTF8.GetBytes("part")));
        plain = Enumerable.Range(0, Calls).Select(call => Request(call, md5: null)).ToArray();
        withMd5 = Enumerable.Range(0, Calls).Select(call => Request(call, md5)).ToArray();
        if (Mint(plain) != Calls * PartsPerCall || Mint(withMd5) != Calls * PartsPerCall)
        {
            throw new InvalidOperationException("the handler did not mint 10,000 part URLs");
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        s3?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>10 × 1,000 part URLs, signing only the host.</summary>
    [Benchmark(Baseline = true, Description = "10,000 part URLs (10 calls x 1,000)")]
    public int TenThousandPartUrls() => Mint(plain);

    /// <summary>The same with a Content-MD5 signed into every URL.</summary>
    [Benchmark(Description = "10,000 part URLs with signed Content-MD5")]
    public int TenThousandPartUrlsWithMd5() => Mint(withMd5);

    private int Mint(RestApiProxyRequest[] requests)
    {
        int urls = 0;
        foreach (RestApiProxyRequest request in requests)
        {
            RestApiProxyResponse response = handler.HandleAsync(request).GetAwaiter().GetResult();
            if (response.StatusCode != 200)
            {
                throw new InvalidOperationException($"status {response.StatusCode}: {response.Body}");
            }

            using JsonDocument body = JsonDocument.Parse(response.Body!);
            urls += body.RootElement.GetProperty("parts").GetArrayLength();
        }

        return urls;
    }

    private static RestApiProxyRequest Request(int call, string? md5)
    {
        var numbers = new JsonArray();
        var md5s = new JsonArray();
        for (int n = (call * PartsPerCall) + 1; n <= (call + 1) * PartsPerCall; n++)
        {
            numbers.Add(n);
            md5s.Add(md5);
        }

        var body = new JsonObject { ["partNumbers"] = numbers };
        if (md5 is not null)
        {
            body["contentMd5"] = md5s;
        }

        return new RestApiProxyRequest
        {
            HttpMethod = "POST",
            Resource = "/uploads/{id}/parts",
            Path = $"/uploads/{UploadId}/parts",
            PathParameters = new Dictionary<string, string> { ["id"] = UploadId },
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            Body = body.ToJsonString(),
            RequestContext = new RestApiProxyRequestContext
            {
                RequestId = "bench",
                Identity = new RestApiProxyIdentity { AccountId = Account, User = Role + ":bench" },
            },
        };
    }
}

/// <summary><c>--upload-part-urls</c>: the short job and a one-line result (bench/README.md, "Upload part URLs").</summary>
internal static class PartUrlBench
{
    public static int Run(string[] args)
    {
        // Operations of tens to hundreds of ms: one invocation per iteration, 2 warm-ups, 10 iterations, in-process.
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Short");
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
        Summary summary = BenchmarkRunner.Run<PartUrlBenchmarks>(config, args);
        var text = new StringBuilder();
        text.AppendLine("| Operation | Mean (ms) | ± (ms, 99.9% CI) | per URL (µs) | Managed alloc / op |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (BenchmarkReport report in summary.Reports)
        {
            if (report.ResultStatistics is not { } stats)
            {
                continue;
            }

            long allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo} | {stats.Mean / 1e6:F1} | {stats.ConfidenceInterval.Margin / 1e6:F1} | {stats.Mean / 1e3 / (PartUrlBenchmarks.Calls * PartUrlBenchmarks.PartsPerCall):F1} | {allocated / 1024.0 / 1024.0:F1} MiB |");
        }

        Console.WriteLine();
        Console.WriteLine(text.ToString());
        string path = Path.Combine(summary.ResultsDirectoryPath, "upload-part-urls.md");
        File.WriteAllText(path, text.ToString());
        Console.WriteLine($"// written to {path}");
        return 0;
    }
}
