using System.Diagnostics;
using System.Globalization;
using System.Text;
using Patterns.Cdk.ColdStart;

// Cold start of the bundled handlers' bootstraps, each in fresh processes against a fake Runtime API (see README.md).
//
//   ColdStartHost --aot DIR [--r2r DIR] [--runs 15] [--warmup 1] [--handlers A,B] [--raw FILE] [--logs DIR] [--details]
//   ... [--zips DIR]             adds each handler's zip size in bytes (DIR/<project-in-kebab-case>.zip, as src/Constructs builds them)
//   ... [--variant NAME=DIR]...  an experiment's builds, run interleaved with the others and reported in tables of their own
//   ColdStartHost --list-projects [--handlers A,B]      the projects those handlers need (Hello included), one a line
//   ColdStartHost --list-handlers [--handlers A,B]      Project/Handler of each handler, one a line
//   ColdStartHost --probe DIR [--runs 15] [--handlers A,B] the step-by-step breakdown of Probe/ builds, DIR/<Project>/Probe.<Project>
//
// DIR/<Project>/<Executable> is each published project (Hello, RecursionSafeS3Processor, FaceBlurPipeline, ApiPoller).
// Per round, every target runs once: Hello then each handler, each in every variant back to back (AOT, ReadyToRun,
// then the experiments). The warm-up rounds are not counted; they check each payload's outcome and keep each process's
// output in --logs.
var options = Options.Parse(args);
// --handlers Hello: the hello world alone (its row is always there).
IReadOnlyList<Scenario> handlers = options.Handlers is { } names
    ? names.Where(name => name != Scenarios.Hello.Handler).Select(name => Scenarios.Handlers.SingleOrDefault(s => s.Handler == name) ?? throw new ArgumentException($"unknown handler '{name}'; known: {string.Join(", ", Scenarios.Handlers.Select(s => s.Handler))}")).ToList()
    : Scenarios.Handlers;
Scenario[] rows = [Scenarios.Hello, .. handlers];
if (options.ListProjects || options.ListHandlers)
{
    // For measure.sh and analyze.sh: the projects to publish, or Project/Handler of each handler, one a line.
    IEnumerable<string> lines = options.ListProjects
        ? rows.Select(s => s.Project).Distinct()
        : handlers.Select(s => s.Project + "/" + s.Handler);
    foreach (string line in lines)
    {
        Console.WriteLine(line);
    }

    return 0;
}

string payloadDirectory = Path.Combine(AppContext.BaseDirectory, "Payloads");
string dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
if (options.Probe is { } probeRoot)
{
    return await ProbeRunner.RunAsync(probeRoot, handlers, options.Runs, payloadDirectory, dotnetRoot);
}

// Without --r2r (tools/coldstart/analyze.sh), only the AOT builds and the experiments run.
(string Variant, string Root)[] variants = [("aot", options.Aot), .. options.R2r is { Length: > 0 } r2r ? [("r2r", r2r)] : Array.Empty<(string, string)>(), .. options.Extra];
// Per round, each row runs in every variant back to back (Hello aot, Hello r2r, Hello before, then the next handler),
// so that a change of the machine's load hits the variants of one row alike.
var targets = rows.SelectMany(s => variants.Select(v => new Target(s, v.Variant, Executable(v.Root, s)))).ToList();
foreach (Target target in targets.Where(t => !File.Exists(t.Executable)))
{
    Console.Error.WriteLine($"coldstart: {target.Executable} does not exist (publish {target.Scenario.Project} first)");
    return 2;
}

using var api = new FakeRuntimeApi();
var results = new List<Result>();
int rounds = options.Warmup + options.Runs;
for (int round = 1; round <= rounds; round++)
{
    bool warmup = round <= options.Warmup;
    foreach (Target target in targets)
    {
        Result result = await RunOnceAsync(target, round - options.Warmup, warmup);
        if (result.Problem is { } problem)
        {
            Console.Error.WriteLine($"coldstart: {target.Scenario.Handler} ({target.Variant}) in round {round}: {problem}");
            Console.Error.WriteLine(result.Output);
            return 1;
        }

        if (!warmup)
        {
            results.Add(result);
        }
    }
}

if (options.Raw is { } raw)
{
    var lines = new List<string> { "round\thandler\tvariant\tinit_ms\tfirst_ms\tcall\tminor_faults\tmajor_faults\tcpu_ms\trss_kb\tthreads" };
    lines.AddRange(results.Select(r => string.Join('\t',
        r.Round, r.Target.Scenario.Handler, r.Target.Variant, F(r.InitMs, "0.00"), F(r.FirstMs, "0.00"), r.Call,
        r.Sample?.MinorFaults, r.Sample?.MajorFaults, F(r.Sample?.CpuMs ?? double.NaN, "0.0"), r.Sample?.RssKb, r.Sample?.Threads)));
    await File.WriteAllLinesAsync(raw, lines);
}

Report.Print(rows, results, options.Details, targets, options.Extra.Select(e => e.Name).ToList(), options.Zips);
return 0;

async Task<Result> RunOnceAsync(Target target, int round, bool warmup)
{
    Scenario scenario = target.Scenario;
    byte[] payload = await File.ReadAllBytesAsync(Path.Combine(payloadDirectory, scenario.Payload));
    string requestId = Guid.NewGuid().ToString("D");
    RunObservation run = api.Begin(requestId, payload);
    var start = new ProcessStartInfo(target.Executable)
    {
        UseShellExecute = false,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        WorkingDirectory = Path.GetDirectoryName(target.Executable)!,
    };
    start.Environment.Clear();
    foreach ((string name, string value) in Guard.LambdaEnvironment(scenario, api.Endpoint, start.WorkingDirectory, dotnetRoot).Concat(scenario.Settings))
    {
        start.Environment[name] = value;
    }

    var output = new StringBuilder();
    long spawned = Stopwatch.GetTimestamp();
    using Process process = Process.Start(start) ?? throw new InvalidOperationException("no process");
    process.OutputDataReceived += (_, e) => Append(output, e.Data);
    process.ErrorDataReceived += (_, e) => Append(output, e.Data);
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    Task exited = process.WaitForExitAsync();
    Task first = await Task.WhenAny(run.Finished, exited, Task.Delay(TimeSpan.FromSeconds(options.TimeoutSeconds)));
    ProcessSample? sample = first == run.Finished ? ProcessSample.TryRead(process.Id) : null;
    if (!process.HasExited)
    {
        process.Kill();
    }

    await process.WaitForExitAsync();
    string? problem = null;
    if (first != run.Finished)
    {
        problem = first == exited
            ? $"the process exited with code {process.ExitCode} before posting an outcome"
            : $"no outcome within {options.TimeoutSeconds} s";
    }
    else if (run.Call != scenario.Expect.Call || !run.Body.Contains(scenario.Expect.BodyContains, StringComparison.Ordinal))
    {
        problem = $"expected /{scenario.Expect.Call} with a body containing {scenario.Expect.BodyContains}, got /{run.Call}: {run.Body}";
    }

    if (warmup && options.Logs is { } logs)
    {
        Directory.CreateDirectory(logs);
        await File.WriteAllTextAsync(Path.Combine(logs, $"{scenario.Handler}.{target.Variant}.log"),
            $"{target.Executable} _HANDLER={scenario.Handler} payload={scenario.Payload}\n--- process output\n{output}--- /{run.Call}\n{run.Body}\n");
    }

    return new Result(target, round, Ms(spawned, run.NextAt), Ms(spawned, run.DoneAt), run.Call, sample, problem, output.ToString());
}

// DIR/<Project>/<Executable>; an experiment may instead build one executable per handler, DIR/<Handler>/bootstrap.
static string Executable(string root, Scenario scenario)
{
    string perHandler = Path.Combine(root, scenario.Handler, "bootstrap");
    return File.Exists(perHandler) ? perHandler : Path.Combine(root, scenario.Project, scenario.Executable);
}

static void Append(StringBuilder output, string? line)
{
    if (line is not null)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

static double Ms(long from, long to) => to == 0 ? double.NaN : Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

namespace Patterns.Cdk.ColdStart
{
    internal sealed record Target(Scenario Scenario, string Variant, string Executable);

    internal sealed record Result(Target Target, int Round, double InitMs, double FirstMs, string? Call, ProcessSample? Sample, string? Problem, string Output);

    internal sealed record Options(string Aot, string R2r, int Runs, int Warmup, IReadOnlyList<string>? Handlers, string? Raw, string? Logs, bool Details, int TimeoutSeconds, bool ListProjects, IReadOnlyList<(string Name, string Root)> Extra, string? Probe, bool ListHandlers, string? Zips)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var extra = new List<(string, string)>();
            bool details = false, listProjects = false, listHandlers = false;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--details")
                {
                    details = true;
                }
                else if (args[i] == "--list-projects")
                {
                    listProjects = true;
                }
                else if (args[i] == "--list-handlers")
                {
                    listHandlers = true;
                }
                else if (args[i] == "--variant" && i + 1 < args.Length && args[i + 1].Split('=', 2) is [{ Length: > 0 } name, { Length: > 0 } root])
                {
                    extra.Add((name, root));
                    i++;
                }
                else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    values[args[i][2..]] = args[++i];
                }
                else
                {
                    throw new ArgumentException($"unexpected argument '{args[i]}'");
                }
            }

            string Required(string name) => values.TryGetValue(name, out string? value) ? value : throw new ArgumentException($"--{name} is required");
            int Number(string name, int fallback) => values.TryGetValue(name, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
            IReadOnlyList<string>? handlers = values.TryGetValue("handlers", out string? list) && !string.IsNullOrWhiteSpace(list)
                ? list.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null;
            string? probe = values.GetValueOrDefault("probe");
            bool buildsOnly = listProjects || listHandlers || probe is not null;
            return new Options(buildsOnly ? "" : Required("aot"), values.GetValueOrDefault("r2r") ?? "", Number("runs", 15), Number("warmup", 1), handlers,
                values.GetValueOrDefault("raw"), values.GetValueOrDefault("logs"), details, Number("timeout-seconds", 30), listProjects, extra, probe, listHandlers,
                values.GetValueOrDefault("zips"));
        }
    }
}
