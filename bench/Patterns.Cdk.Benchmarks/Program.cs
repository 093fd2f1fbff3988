using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Patterns.Cdk.Benchmarks;

// The settlement handler's per-message cost (bench/README.md, "Settlement"): its own short job.
if (args.Length > 0 && args[0] == "--settlement")
{
    return SettlementBench.Run(args[1..]);
}

// The upload API's time to mint 10,000 part URLs (bench/README.md, "Upload part URLs"): its own short job.
if (args.Length > 0 && args[0] == "--upload-part-urls")
{
    return Patterns.Cdk.Benchmarks.PrivateUploadApi.PartUrlBench.Run(args[1..]);
}

// Child mode for the peak-memory measurement: run one operation once in a fresh process.
if (args.Length == 3 && args[0] == "--peak-rss")
{
    return PeakMemory.RunChild(args[1], args[2]);
}

Console.WriteLine($"// input: {BenchmarkInput.Width}x{BenchmarkInput.Height} JPEG q90, {BenchmarkInput.Jpeg.Length / 1024.0 / 1024.0:F2} MiB, {BenchmarkInput.Faces.Count} faces -> {BenchmarkInput.JpegPath}");
GraphicsMagick.Locate();
Console.WriteLine($"// GraphicsMagick: {GraphicsMagick.Status} {GraphicsMagick.Version}");

// A short job: each operation takes 0.05 s to 1.5 s, so one invocation per iteration; 2 warm-ups, 15 measured
// iterations, one launch. In-process: no generated project to build (and no second restore), and the benchmark
// shares the warm runtime like a warm Lambda execution environment would.
var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithLaunchCount(1)
    .WithWarmupCount(2)
    .WithIterationCount(15)
    .WithInvocationCount(1)
    .WithUnrollFactor(1)
    .WithId("Short");
var config = DefaultConfig.Instance
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"))
    .WithOptions(ConfigOptions.JoinSummary);
if (GraphicsMagick.Executable is null)
{
    config = config.AddFilter(new SimpleFilter(c => c.Descriptor.WorkloadMethod.Name != nameof(FaceBlurBenchmarks.GraphicsMagickSeed)));
}

string loadBefore = Report.LoadAverage();
var summary = BenchmarkRunner.Run<FaceBlurBenchmarks>(config, args);
var memory = PeakMemory.MeasureAll();
string report = Report.Build(summary, memory, loadBefore, Report.LoadAverage());
Console.WriteLine();
Console.WriteLine(report);
string path = Path.Combine(summary.ResultsDirectoryPath, "face-blur-comparison.md");
File.WriteAllText(path, report);
Console.WriteLine($"// written to {path}");
return 0;

/// <summary>The side-by-side table: times from BenchmarkDotNet, ratios, managed allocations, peak RSS.</summary>
internal static class Report
{
    private const string A = nameof(FaceBlurBenchmarks.Ours);
    private const string B = nameof(FaceBlurBenchmarks.GraphicsMagickSeed);
    private const string C = nameof(FaceBlurBenchmarks.DecodeEncode);

    private static readonly (string Key, string Label)[] Rows =
    [
        (A, "**(a) FaceBlurrer.Process** (DCT domain: entropy decode, mosaic 5 faces, entropy encode)"),
        (B, "**(b) seed: gm convert -region -blur 0x70 x5** (process)"),
        (C, "**(c) floor: SkiaSharp decode + encode q90**"),
        (nameof(FaceBlurBenchmarks.OursPixelPath), "(a) same, pixel path forced (decode, blur 5 faces, encode q90)"),
        (nameof(FaceBlurBenchmarks.OursOrientation6), "(a) same picture stored with EXIF orientation 6 (DCT domain, rotated losslessly)"),
        (nameof(FaceBlurBenchmarks.OursNoFaces), "(a) same, no faces (byte-level strip + validating decode)"),
        (nameof(FaceBlurBenchmarks.GraphicsMagickSingleThread), "(b) same with OMP_NUM_THREADS=1"),
        (PeakMemory.Baseline, ".NET child baseline: runtime + Skia loaded + input read, no decode"),
    ];

    /// <summary>1, 5 and 15 minute load averages: other work on the machine skews (b), which wants two idle cores.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static string Build(Summary summary, IReadOnlyList<PeakMemory.Result> memory, string loadBefore, string loadAfter)
    {
        var mean = new Dictionary<string, double>();
        var error = new Dictionary<string, double>();
        var allocated = new Dictionary<string, long>();
        foreach (var r in summary.Reports)
        {
            string name = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (r.ResultStatistics is { } stats)
            {
                mean[name] = stats.Mean / 1e6;
                error[name] = stats.ConfidenceInterval.Margin / 1e6;
            }

            allocated[name] = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0;
        }

        var rss = memory.Where(m => m.MedianKiB is not null).ToDictionary(m => m.Label, m => m.MedianKiB!.Value / 1024.0);
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        string Ms(Dictionary<string, double> d, string k) => d.TryGetValue(k, out double v) ? F(v, "F1") : "";
        string Ratio(string x, string y) => mean.TryGetValue(x, out double u) && mean.TryGetValue(y, out double v) ? F(u / v, "F2") : "";
        string Alloc(string k) => k == B || k == nameof(FaceBlurBenchmarks.GraphicsMagickSingleThread)
            ? "n/a (child process)"
            : allocated.TryGetValue(k, out long bytes) ? $"{F(bytes / 1024.0 / 1024.0, "F2")} MiB" : "";
        string Rss(string k) => rss.TryGetValue(k, out double v) ? F(v, "F0") : "";

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Input: {BenchmarkInput.Width}x{BenchmarkInput.Height} JPEG (q90, 4:2:0, {F(BenchmarkInput.Jpeg.Length / 1024.0 / 1024.0, "F2")} MiB), {BenchmarkInput.Faces.Count} faces. {GraphicsMagick.Version} ({GraphicsMagick.Status}).");
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}; load average before {loadBefore}, after {loadAfter}.");
        text.AppendLine();
        text.AppendLine("| Operation | Mean (ms) | ± (ms, 99.9% CI) | / (b) | / (c) | Managed alloc / op | Peak RSS (MiB) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (key, label) in Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {Ms(mean, key)} | {Ms(error, key)} | {Ratio(key, B)} | {Ratio(key, C)} | {(key == PeakMemory.Baseline ? "" : Alloc(key))} | {Rss(key)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Goals: (a)/(b) = {Ratio(A, B)} (goal <= 0.2); (a)/(c) = {Ratio(A, C)} (goal <= 1.3); peak RSS (a) {Rss(A)} MiB vs (b) {Rss(B)} MiB.");
        foreach (var m in memory)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- peak RSS {m.Label}: {m.Note}");
        }

        return text.ToString();
    }
}
