using System.Diagnostics;
using System.Globalization;

namespace Patterns.Cdk.ColdStart;

/// <summary>
/// Runs the Probe/ executables (tools/coldstart/analyze.sh): each handler with its own environment and payload, in fresh
/// processes, round-robin; prints the median wall time and minor page faults of every step the probe reports.
/// </summary>
internal static class ProbeRunner
{
    private sealed record Job(string Label, Scenario Scenario, string Mode, string Executable);

    public static async Task<int> RunAsync(string root, IReadOnlyList<Scenario> handlers, int runs, string payloadDirectory, string dotnetRoot)
    {
        if (handlers.Count == 0)
        {
            return 0; // the hello world has no probe
        }

        var jobs = new List<Job>();
        foreach (Scenario scenario in handlers)
        {
            jobs.Add(new Job(scenario.Handler, scenario, "handler", Executable(root, scenario)));
        }

        // Once per project (with its first handler's settings): the SDK clients, a first exception, and libSkiaSharp.
        foreach (Scenario first in handlers.GroupBy(s => s.Project).Select(g => g.First()))
        {
            jobs.Add(new Job(first.Project, first, "sdk", Executable(root, first)));
            jobs.Add(new Job(first.Project, first, "exception", Executable(root, first)));
            if (first.Project == "FaceBlurPipeline")
            {
                jobs.Add(new Job(first.Project, first, "skia", Executable(root, first)));
            }
        }

        jobs.Add(new Job("this machine", handlers[0], "pagefaults", Executable(root, handlers[0])));
        var samples = new Dictionary<(Job Job, string Step), List<(double Ms, double Faults)>>();
        var order = new List<(Job Job, string Step)>();
        for (int round = 0; round <= runs; round++)
        {
            foreach (Job job in jobs)
            {
                IReadOnlyList<(string Step, double Ms, double Faults)> steps = await RunOnceAsync(job, payloadDirectory, dotnetRoot);
                if (round == 0)
                {
                    continue; // warm-up
                }

                foreach ((string step, double ms, double faults) in steps)
                {
                    if (!samples.TryGetValue((job, step), out List<(double, double)>? list))
                    {
                        samples[(job, step)] = list = [];
                        order.Add((job, step));
                    }

                    list.Add((ms, faults));
                }
            }
        }

        foreach (IGrouping<string, (Job Job, string Step)> mode in order.GroupBy(o => o.Job.Mode))
        {
            Console.WriteLine();
            Console.WriteLine($"Probe mode '{mode.Key}', medians of N={runs} fresh processes:");
            Console.WriteLine();
            Console.WriteLine("| of | step | ms | minor faults | µs per fault |");
            Console.WriteLine("|---|---|---:|---:|---:|");
            foreach ((Job job, string step) in mode)
            {
                List<(double Ms, double Faults)> values = samples[(job, step)];
                double ms = Report.MedianOf(values.Select(v => v.Ms));
                double faults = Report.MedianOf(values.Select(v => v.Faults));
                string perFault = faults >= 100 ? F(ms * 1000 / faults, "0.0") : "";
                Console.WriteLine($"| {job.Label} | {step} | {F(ms, "0.00")} | {F(faults, "0")} | {perFault} |");
            }
        }

        return 0;
    }

    private static string Executable(string root, Scenario scenario) =>
        Path.Combine(root, scenario.Project, "Probe." + scenario.Project);

    private static async Task<IReadOnlyList<(string Step, double Ms, double Faults)>> RunOnceAsync(Job job, string payloadDirectory, string dotnetRoot)
    {
        var start = new ProcessStartInfo(job.Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(job.Executable)!,
        };
        start.Environment.Clear();
        foreach ((string name, string value) in Guard.LambdaEnvironment(job.Scenario, "127.0.0.1:9", start.WorkingDirectory, dotnetRoot).Concat(job.Scenario.Settings))
        {
            start.Environment[name] = value;
        }

        start.Environment["COLDSTART_PROBE_MODE"] = job.Mode;
        start.Environment["COLDSTART_PAYLOAD"] = Path.Combine(payloadDirectory, job.Scenario.Payload);
        long spawned = Stopwatch.GetTimestamp();
        start.Environment["COLDSTART_SPAWNED"] = spawned.ToString(CultureInfo.InvariantCulture);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        string report = await errors;
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{job.Executable} ({job.Label}, {job.Mode}) exited with {process.ExitCode}:\n{report}");
        }

        return report.Split('\n')
            .Where(line => line.StartsWith("probe\t", StringComparison.Ordinal))
            .Select(line => line.Split('\t'))
            .Select(f => (f[1], double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
