using System.Globalization;

namespace Patterns.Cdk.ColdStart;

/// <summary>The markdown tables of a measurement: medians per handler and variant.</summary>
internal static class Report
{
    /// <summary>The issue's goal: at most this many times the AOT hello world...</summary>
    public const double MaxTimesHello = 1.2;

    /// <summary>...and at least this many times faster than the handler's own ReadyToRun build.</summary>
    public const double MinSpeedup = 3;

    public static void Print(IReadOnlyList<Scenario> rows, IReadOnlyList<Result> results, bool details, IReadOnlyList<Target> targets, IReadOnlyList<string> extra, string? zips = null)
    {
        // The zip that ships the handler (BundledHandlers: one zip per project), by size in bytes.
        string ZipBytes(Scenario row)
        {
            if (zips is null)
            {
                return "";
            }

            if (row == Scenarios.Hello)
            {
                return " – |";
            }

            var zip = new FileInfo(Path.Combine(zips, ZipName(row.Project)));
            return zip.Exists ? $" {zip.Name} {zip.Length.ToString("N0", CultureInfo.InvariantCulture)} |" : throw new FileNotFoundException($"coldstart: no {zip.FullName} (build src/Constructs first)");
        }

        double Median(string handler, string variant, Func<Result, double> value) =>
            MedianOf(results.Where(r => r.Target.Scenario.Handler == handler && r.Target.Variant == variant).Select(value));

        double helloFirst = Median(Scenarios.Hello.Handler, "aot", r => r.FirstMs);
        Console.WriteLine("| handler | AOT init ms | AOT init+first ms | × AOT hello | R2R init+first ms | R2R/AOT speedup |" + (zips is null ? "" : " zip, bytes |"));
        Console.WriteLine("|---|---:|---:|---:|---:|---:|" + (zips is null ? "" : "---:|"));
        bool r2r = results.Any(r => r.Target.Variant == "r2r");
        var missed = new List<string>();
        foreach (Scenario row in rows)
        {
            double aotInit = Median(row.Handler, "aot", r => r.InitMs);
            double aotFirst = Median(row.Handler, "aot", r => r.FirstMs);
            double r2rFirst = Median(row.Handler, "r2r", r => r.FirstMs);
            double timesHello = aotFirst / helloFirst;
            double speedup = r2rFirst / aotFirst;
            bool hello = row == Scenarios.Hello;
            if (!hello && (timesHello > MaxTimesHello || (r2r && !(speedup >= MinSpeedup))))
            {
                missed.Add(row.Handler);
            }

            string name = hello ? "Hello (AOT hello world, the floor)" : row.Handler;
            Console.WriteLine($"| {name} | {F(aotInit, "0.0")} | {F(aotFirst, "0.0")} | {X(timesHello, "0.00")} | {F(r2rFirst, "0.0")} | {X(speedup, "0.0")} |{ZipBytes(row)}");
        }

        int handlers = rows.Count - 1;
        if (handlers > 0)
        {
            string goal = r2r
                ? $"Goal (≤ {F(MaxTimesHello, "0.0")}x the AOT hello world and ≥ {F(MinSpeedup, "0")}x faster than ReadyToRun)"
                : $"Goal (≤ {F(MaxTimesHello, "0.0")}x the AOT hello world; ReadyToRun not measured in this run)";
            Console.WriteLine();
            Console.WriteLine(missed.Count == 0
                ? $"{goal}: met by all {handlers} handlers."
                : $"{goal}: met by {handlers - missed.Count} of {handlers}; missed by {string.Join(", ", missed)}.");
        }

        foreach (string variant in extra)
        {
            double ownHello = Median(Scenarios.Hello.Handler, variant, r => r.FirstMs);
            Console.WriteLine();
            Console.WriteLine($"| handler | {variant} init ms | {variant} init+first ms | × AOT hello | × {variant} hello | {variant} / AOT |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (Scenario row in rows)
            {
                double first = Median(row.Handler, variant, r => r.FirstMs);
                Console.WriteLine($"| {row.Handler} | {F(Median(row.Handler, variant, r => r.InitMs), "0.0")} | {F(first, "0.0")} | {X(first / helloFirst, "0.00")} | {X(first / ownHello, "0.00")} | {F(first / Median(row.Handler, "aot", r => r.FirstMs), "0.00")} |");
            }
        }

        if (!details)
        {
            return;
        }

        // Per variant: the executable's size (ReadyToRun: the whole publish folder, the runtime apart), and medians of
        // init, minor page faults, CPU time, resident memory and threads at the first outcome.
        string[] variants = [.. targets.Select(t => t.Variant).Distinct()];
        Console.WriteLine();
        Console.WriteLine("| handler | variant | size MB | init ms | init+first ms | minor faults | CPU ms | RSS MB | threads |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Scenario row in rows)
        {
            foreach (string variant in variants)
            {
                string executable = targets.First(t => t.Scenario == row && t.Variant == variant).Executable;
                double bytes = variant == "r2r"
                    ? Directory.EnumerateFiles(Path.GetDirectoryName(executable)!).Sum(f => new FileInfo(f).Length)
                    : new FileInfo(executable).Length;
                Console.WriteLine(string.Join(" | ",
                    "| " + row.Handler,
                    variant,
                    F(bytes / 1048576.0, "0.0"),
                    F(Median(row.Handler, variant, r => r.InitMs), "0.0"),
                    F(Median(row.Handler, variant, r => r.FirstMs), "0.0"),
                    F(Median(row.Handler, variant, r => r.Sample?.MinorFaults ?? double.NaN), "0"),
                    F(Median(row.Handler, variant, r => r.Sample?.CpuMs ?? double.NaN), "0.0"),
                    F(Median(row.Handler, variant, r => r.Sample?.RssKb ?? double.NaN) / 1024, "0.0"),
                    F(Median(row.Handler, variant, r => r.Sample?.Threads ?? double.NaN), "0")) + " |");
            }
        }
    }

    /// <summary>The zip of a handler project as src/Constructs names it: <c>RecursionSafeS3Processor</c> → <c>recursion-safe-s3-processor.zip</c>.</summary>
    public static string ZipName(string project)
    {
        var name = new System.Text.StringBuilder();
        for (int i = 0; i < project.Length; i++)
        {
            char c = project[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(project[i - 1]) || char.IsDigit(project[i - 1])))
            {
                name.Append('-');
            }

            name.Append(char.ToLowerInvariant(c));
        }

        return name.Append(".zip").ToString();
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

    private static string F(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string X(double ratio, string format) => double.IsNaN(ratio) ? "–" : F(ratio, format) + "x";
}
