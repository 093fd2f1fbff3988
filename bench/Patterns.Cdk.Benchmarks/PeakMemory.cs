using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using SkiaSharp;

namespace Patterns.Cdk.Benchmarks;

/// <summary>
/// Peak resident memory (the kernel's max RSS, as reported by <c>/usr/bin/time -v</c>) of each operation run once
/// in its own fresh child process. Unlike BenchmarkDotNet's allocation counter (managed heap only), this counts
/// everything: native pixel buffers (Skia allocates them outside the GC heap), the runtime, code, and for (b) all
/// of GraphicsMagick. The .NET children also report a baseline (runtime + Skia loaded + input read, no pixels),
/// so the difference is what the operation itself needs.
/// </summary>
public static class PeakMemory
{
    private const string TimePath = "/usr/bin/time";
    private const int Runs = 3;

    public sealed record Result(string Label, long? MedianKiB, string Note);

    public static bool Available => File.Exists(TimePath);

    /// <summary>Child-process entry point: <c>--peak-rss baseline|blur|pixels|strip|floor input.jpg</c>.</summary>
    public static int RunChild(string mode, string input)
    {
        byte[] jpeg = File.ReadAllBytes(input);
        switch (mode)
        {
            case "baseline":
                using (var data = SKData.CreateCopy(jpeg))
                using (var codec = SKCodec.Create(data))
                {
                    return codec is null ? 1 : 0;
                }

            case "blur":
                return FaceBlurrer.Process(jpeg, BenchmarkInput.Faces, BlurOptions.Default).Content.Length > 0 ? 0 : 1;
            case "pixels":
                return FaceBlurrer.Process(jpeg, BenchmarkInput.Faces, FaceBlurBenchmarks.PixelPath).Content.Length > 0 ? 0 : 1;
            case "strip":
                return FaceBlurrer.Process(jpeg, [], BlurOptions.Default).Content.Length > 0 ? 0 : 1;
            case "floor":
                return Floor.DecodeEncode(jpeg).Length > 0 ? 0 : 1;
            default:
                Console.Error.WriteLine($"unknown mode {mode}");
                return 2;
        }
    }

    public static IReadOnlyList<Result> MeasureAll()
    {
        if (!Available)
        {
            return [new Result("peak RSS", null, $"{TimePath} not found (apt-get install -y time): not measured")];
        }

        return
        [
            MeasureSelf(nameof(FaceBlurBenchmarks.Ours), "blur", BenchmarkInput.JpegPath),
            MeasureSelf(nameof(FaceBlurBenchmarks.OursPixelPath), "pixels", BenchmarkInput.JpegPath),
            MeasureSelf(nameof(FaceBlurBenchmarks.OursOrientation6), "blur", BenchmarkInput.PortraitJpegPath),
            MeasureSelf(nameof(FaceBlurBenchmarks.OursNoFaces), "strip", BenchmarkInput.JpegPath),
            MeasureGm(),
            MeasureSelf(nameof(FaceBlurBenchmarks.DecodeEncode), "floor", BenchmarkInput.JpegPath),
            MeasureSelf(Baseline, "baseline", BenchmarkInput.JpegPath),
        ];
    }

    /// <summary>Key of the baseline measurement (no benchmark method of that name).</summary>
    public const string Baseline = "baseline";

    private static Result MeasureSelf(string label, string mode, string input)
    {
        var (file, prefix) = SelfCommand();
        return Measure(label, file, [.. prefix, "--peak-rss", mode, input]);
    }

    private static Result MeasureGm()
    {
        const string label = nameof(FaceBlurBenchmarks.GraphicsMagickSeed);
        if (GraphicsMagick.Executable is null)
        {
            return new Result(label, null, GraphicsMagick.Status);
        }

        var start = GraphicsMagick.SeedCommand(BenchmarkInput.JpegPath, Path.Combine(BenchmarkInput.Directory, "gm-rss-out.jpg"));
        return Measure(label, start.FileName, [.. start.ArgumentList]);
    }

    private static Result Measure(string label, string file, IReadOnlyList<string> args)
    {
        var samples = new List<long>();
        for (int i = 0; i < Runs; i++)
        {
            var start = new ProcessStartInfo(TimePath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("-v");
            start.ArgumentList.Add(file);
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            string report = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return new Result(label, null, $"child failed ({process.ExitCode}): {report.Split('\n')[0]}");
            }

            string? line = report.Split('\n').FirstOrDefault(l => l.Contains("Maximum resident set size", StringComparison.Ordinal));
            if (line is null || !long.TryParse(line[(line.LastIndexOf(':') + 1)..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long kib))
            {
                return new Result(label, null, "could not read /usr/bin/time's report");
            }

            samples.Add(kib);
        }

        samples.Sort();
        return new Result(label, samples[samples.Count / 2], $"median of {Runs} runs: {string.Join(", ", samples.Select(s => $"{s / 1024.0:F0}"))} MiB");
    }

    /// <summary>How to start this program again: its apphost, or <c>dotnet program.dll</c>.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (process, [Assembly.GetEntryAssembly()!.Location])
            : (process, []);
    }
}
