using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Json.Schema;
using Patterns.Cdk.Functions.EventDrivenSettlement.Api;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Store;

namespace Patterns.Cdk.Benchmarks;

/// <summary>
/// The settlement handler's cost per message, without I/O. (1) the queue path: the SQS body (a Fraud.Not.Detected
/// EventBridge event) to the DynamoDB item the conditional put sends: UTF-8, envelope, contract validation, claim,
/// UUID v5, content hash, calculation, item. (2) the REST path: the request body to the 201 response body. Context
/// rows: the validation alone, and the same validation by JsonSchema.Net (JsonDocument + Evaluate), the reason the
/// handler has its own validator.
/// </summary>
[MemoryDiagnoser]
public class SettlementBenchmarks
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    private string body = "";
    private byte[] detail = [];
    private SettlementCalculator calculator = null!;
    private ContractSchema contract = null!;
    private JsonSchema oracle = null!;

    /// <summary>A realistic Fraud.Not.Detected event as the rule delivers it to the queue.</summary>
    public static string Detail =>
        """{"customerId":"CUST-000123456","claimId":"CLM-2025-000042","documentType":"CAR","fraudType":"CLAIMS","damage":{"level":"MODERATE","part":"rear bumper and tailgate","estimatedCost":4321.75},"submittedAt":"2025-03-14T15:09:20.000Z"}""";

    public static string Body =>
        $$"""{"version":"0","id":"b4a3b3a1-9f2c-4a6e-8a4b-1f6f3e2a9c01","detail-type":"Fraud.Not.Detected","source":"fraud.service","account":"123456789012","time":"2025-03-14T15:09:20Z","region":"us-east-1","resources":[],"detail":{{Detail}}}""";

    [GlobalSetup]
    public void Setup()
    {
        body = Body;
        detail = Encoding.UTF8.GetBytes(Detail);
        calculator = new SettlementCalculator(SettlementRules.Parse(SettlementRules.DefaultJson));
        contract = SettlementContracts.FraudNotDetected;
        oracle = JsonSchema.FromText(Encoding.UTF8.GetString(SettlementContracts.Read(SettlementContracts.FraudNotDetectedFile)));
        if (QueueMessageToItem() != 13 || RestRequestToResponse() < 200 || !ValidateOnly() || !ValidateJsonSchemaNet())
        {
            throw new InvalidOperationException("the benchmark input does not settle");
        }
    }

    /// <summary>(1) SQS body -> envelope -> validate -> claim -> calculate -> DynamoDB item.</summary>
    [Benchmark(Baseline = true, Description = "queue message -> DynamoDB item")]
    public int QueueMessageToItem()
    {
        (SettlementDecision decision, _) = QueueMessage.Decide(body, Now, calculator);
        return SettlementItem.ToItem(decision.Settlement!).Count;
    }

    /// <summary>(2) REST body (UTF-8) -> validate -> claim -> calculate -> 201 response body (JSON).</summary>
    [Benchmark(Description = "REST body -> 201 response JSON")]
    public int RestRequestToResponse()
    {
        SettlementDecision decision = SettlementDecision.Decide(detail, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", Now, contract, calculator);
        return JsonSerializer.Serialize(SettlementBody.Of(decision.Settlement!), ApiJsonContext.Default.SettlementBody).Length;
    }

    /// <summary>Context: the handler's contract validation of the detail alone.</summary>
    [Benchmark(Description = "validate only (handler's validator)")]
    public bool ValidateOnly() => contract.Validate(detail).Count == 0;

    /// <summary>Context: the same validation by JsonSchema.Net 8.0.5 (parse to JsonDocument, Evaluate with the default flag output).</summary>
    [Benchmark(Description = "validate only (JsonSchema.Net 8.0.5)")]
    public bool ValidateJsonSchemaNet()
    {
        using JsonDocument document = JsonDocument.Parse(detail);
        return oracle.Evaluate(document.RootElement).IsValid;
    }
}

/// <summary>Runs <see cref="SettlementBenchmarks"/> (<c>-- --settlement</c>) and prints the table for bench/README.md.</summary>
internal static class SettlementBench
{
    public static int Run(string[] args)
    {
        Console.WriteLine($"// input: {Encoding.UTF8.GetByteCount(SettlementBenchmarks.Body)}-byte SQS body, {Encoding.UTF8.GetByteCount(SettlementBenchmarks.Detail)}-byte detail");

        // Microsecond operations: BenchmarkDotNet picks the invocations per iteration; a short run (3 warm-ups, 15
        // iterations) in-process, like a warm Lambda execution environment.
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithId("Short");
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.JoinSummary);
        string loadBefore = Report.LoadAverage();
        Summary summary = BenchmarkRunner.Run<SettlementBenchmarks>(config, args);

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}; load average before {loadBefore}, after {Report.LoadAverage()}.");
        text.AppendLine();
        text.AppendLine("| Operation | Mean (µs) | ± (µs, 99.9% CI) | Min (µs) | Allocated / op (bytes) |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (BenchmarkReport report in summary.Reports)
        {
            string name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo;
            double mean = report.ResultStatistics?.Mean / 1000 ?? double.NaN;
            double error = report.ResultStatistics?.ConfidenceInterval.Margin / 1000 ?? double.NaN;
            double min = report.ResultStatistics?.Min / 1000 ?? double.NaN;
            long bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {mean:F2} | {error:F2} | {min:F2} | {bytes} |");
        }

        Console.WriteLine();
        Console.WriteLine(text);
        string path = Path.Combine(summary.ResultsDirectoryPath, "settlement-per-message.md");
        File.WriteAllText(path, text.ToString());
        Console.WriteLine($"// written to {path}");
        return 0;
    }
}
