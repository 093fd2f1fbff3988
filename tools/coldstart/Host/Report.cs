using System.Globalization;

namespace Patterns.Cdk.ColdStart;

/// <summary>The markdown tables of a measurement: medians per handler and variant.</summary>
internal static class Report
{
    /// <summary>The issue's goal: at most this many times the AOT hello world...</summary>
    public const double MaxTimesHello = 1.2;

    /// <summary>...and at least this many times faster than the handler's own ReadyToRun build.</summary>
    public const double MinSpeedup = 3;

    public static void Print(IReadOnlyList<Scenario> rows, IReadOnlyList<Result> results, bool details, IReadOnlyList<Target> targets)
    {
        double Median(string handler, string variant, Func<Result, double> value) =>
            MedianOf(results.Where(r => r.Target.Scenario.Handler == handler && r.Target.Variant == variant).Select(value));

        double helloFirst = Median(Scenarios.Hello.Handler, "aot", r => r.FirstMs);
        Console.WriteLine("| handler | AOT init ms | AOT init+first ms | × AOT hello | R2R init+first ms | R2R/AOT speedup |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var missed = new List<string>();
        foreach (Scenario row in rows)
        {
            double aotInit = Median(row.Handler, "aot", r => r.InitMs);
            double aotFirst = Median(row.Handler, "aot", r => r.FirstMs);
            double r2rFirst = Median(row.Handler, "r2r", r => r.FirstMs);
            double timesHello = aotFirst / helloFirst;
            double speedup = r2rFirst / aotFirst;
            bool hello = row == Scenarios.Hello;
            if (!hello && (timesHello > MaxTimesHello || speedup < MinSpeedup))
            {
                missed.Add(row.Handler);
            }

            string name = hello ? "Hello (AOT hello world, the floor)" : row.Handler;
            Console.WriteLine($"| {name} | {F(aotInit, "0.0")} | {F(aotFirst, "0.0")} | {F(timesHello, "0.00")}x | {F(r2rFirst, "0.0")} | {F(speedup, "0.0")}x |");
        }

        int handlers = rows.Count - 1;
        Console.WriteLine();
        Console.WriteLine(missed.Count == 0
            ? $"Goal (≤ {F(MaxTimesHello, "0.0")}x the AOT hello world and ≥ {F(MinSpeedup, "0")}x faster than ReadyToRun): met by all {handlers} handlers."
            : $"Goal (≤ {F(MaxTimesHello, "0.0")}x the AOT hello world and ≥ {F(MinSpeedup, "0")}x faster than ReadyToRun): met by {handlers - missed.Count} of {handlers}; missed by {string.Join(", ", missed)}.");

        if (!details)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| handler | AOT exe MB | AOT minor faults | AOT CPU ms | AOT RSS MB | AOT threads | R2R publish MB | R2R init ms | R2R minor faults | R2R CPU ms | R2R RSS MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Scenario row in rows)
        {
            string aotExe = targets.First(t => t.Scenario == row && t.Variant == "aot").Executable;
            string r2rExe = targets.First(t => t.Scenario == row && t.Variant == "r2r").Executable;
            double r2rMb = Directory.EnumerateFiles(Path.GetDirectoryName(r2rExe)!).Sum(f => new FileInfo(f).Length) / 1048576.0;
            Console.WriteLine(string.Join(" | ",
                "| " + row.Handler,
                F(new FileInfo(aotExe).Length / 1048576.0, "0.0"),
                F(Median(row.Handler, "aot", r => r.Sample?.MinorFaults ?? double.NaN), "0"),
                F(Median(row.Handler, "aot", r => r.Sample?.CpuMs ?? double.NaN), "0.0"),
                F(Median(row.Handler, "aot", r => r.Sample?.RssKb ?? double.NaN) / 1024, "0.0"),
                F(Median(row.Handler, "aot", r => r.Sample?.Threads ?? double.NaN), "0"),
                F(r2rMb, "0.0"),
                F(Median(row.Handler, "r2r", r => r.InitMs), "0.0"),
                F(Median(row.Handler, "r2r", r => r.Sample?.MinorFaults ?? double.NaN), "0"),
                F(Median(row.Handler, "r2r", r => r.Sample?.CpuMs ?? double.NaN), "0.0"),
                F(Median(row.Handler, "r2r", r => r.Sample?.RssKb ?? double.NaN) / 1024, "0.0")) + " |");
        }
    }

    public static double MedianOf(IEnumerable<double> values)
    {
        double[] sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
