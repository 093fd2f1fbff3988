using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The switches of every conservation run, from the environment (shared by all data paths):
/// <c>PATTERNS_CONSERVATION=long</c> runs the long mode (a few thousand inputs per path; default: short, a few hundred);
/// <c>PATTERNS_CONSERVATION_SEED</c> the seed of the inputs and the faults (default <see cref="DefaultSeed"/>, so the
/// default test command is deterministic); <c>PATTERNS_CONSERVATION_FAULT_RATE</c> the probability that a call fails
/// (default <see cref="DefaultFaultRate"/>).
/// </summary>
public sealed record ConservationSettings(bool IsLong, int Seed, double FaultRate)
{
    public const string ModeVariable = "PATTERNS_CONSERVATION";
    public const string SeedVariable = "PATTERNS_CONSERVATION_SEED";
    public const string FaultRateVariable = "PATTERNS_CONSERVATION_FAULT_RATE";
    public const int DefaultSeed = 15;
    public const double DefaultFaultRate = 0.12;

    public static ConservationSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static ConservationSettings From(Func<string, string?> environment)
    {
        string? mode = environment(ModeVariable);
        bool isLong = mode switch
        {
            null or "" or "short" => false,
            "long" => true,
            _ => throw new InvalidOperationException($"{ModeVariable} must be 'long' or 'short' (got '{mode}')."),
        };
        int seed = environment(SeedVariable) is { Length: > 0 } s
            ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : throw new InvalidOperationException($"{SeedVariable} must be an integer (got '{s}').")
            : DefaultSeed;
        double rate = environment(FaultRateVariable) is { Length: > 0 } r
            ? double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value is >= 0 and <= 1
                ? value
                : throw new InvalidOperationException($"{FaultRateVariable} must be a number between 0 and 1 (got '{r}').")
            : DefaultFaultRate;
        return new ConservationSettings(isLong, seed, rate);
    }

    /// <summary><paramref name="shortCount"/> in short mode, <paramref name="longCount"/> in long mode.</summary>
    public int Inputs(int shortCount, int longCount) => IsLong ? longCount : shortCount;

    public string Mode => IsLong ? "long" : "short";

    /// <summary>How to replay this run (for failure messages).</summary>
    public string Replay =>
        $"{SeedVariable}={Seed} {FaultRateVariable}={FaultRate.ToString(CultureInfo.InvariantCulture)}{(IsLong ? $" {ModeVariable}=long" : "")}";
}

/// <summary>
/// The log of a deployment's handlers, passed on to <paramref name="inner"/> (if any), counting the forwards to a
/// dead-letter queue that failed: <c>DeadLetterForwarder</c> logs "could not forward" once per failed SendMessage call
/// (after the SDK's retries). A message whose forward on its last receive failed is moved by the redrive policy instead,
/// without a <c>patterns-cdk-reason</c>; the conservation runs allow at most this many such dead letters.
/// </summary>
public sealed class ForwardFailureLog(Xunit.Abstractions.ITestOutputHelper? inner = null) : Xunit.Abstractions.ITestOutputHelper
{
    private int _failedForwards;

    /// <summary>SendMessage calls to a dead-letter queue that failed, as the handlers logged them.</summary>
    public int FailedForwards => Volatile.Read(ref _failedForwards);

    public void WriteLine(string message)
    {
        if (message.Contains("could not forward", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _failedForwards);
        }

        inner?.WriteLine(message);
    }

    public void WriteLine(string format, params object[] args) => WriteLine(string.Format(CultureInfo.InvariantCulture, format, args));

    /// <summary>Checks the dead letters without a reason against the failed forwards, and the failed forwards against the SQS faults injected on SendMessage.</summary>
    public void Check(ConservationReport report, int deadLettersWithoutReason, FaultInjector faults)
    {
        report.Row("DLQ by redrive (forward failed)", deadLettersWithoutReason);
        report.Row("failed SendMessage calls to the DLQ (logged by the handlers)", FailedForwards);
        if (deadLettersWithoutReason > FailedForwards)
        {
            report.Problem($"{deadLettersWithoutReason} dead letters have no {Patterns.Cdk.Functions.Shared.DeadLetterForwarder.ReasonAttribute}, but only {FailedForwards} forwards to the dead-letter queue failed");
        }

        int sendFaults = faults.Injected.Count(f => f.Service == "SQS" && f.Action == "SendMessage" && f.Kind != FaultKind.Latency);
        if (FailedForwards > sendFaults)
        {
            report.Problem($"{FailedForwards} forwards to the dead-letter queue failed, but only {sendFaults} SendMessage faults were injected");
        }
    }
}

/// <summary>
/// The account of one conservation run: what went in, what came out, what the fault layer did. <see cref="Write"/>
/// puts it in <c>artifacts/integration/conservation/&lt;path&gt;.md</c>; <see cref="SummaryLine"/> is the one line a passing
/// test prints; <see cref="Failure"/> is the message of a failing one (with the seed to replay).
/// </summary>
public sealed class ConservationReport(string path, ConservationSettings settings)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Name, string Value)> _rows = [];
    private readonly List<string> _sections = [];
    private readonly List<string> _problems = [];

    public string Path => path;

    public ConservationSettings Settings => settings;

    public int Inputs { get; set; }

    public int Duplicates { get; set; }

    public int BadInputs { get; set; }

    public int Processed { get; set; }

    public int DeadLettered { get; set; }

    public int Parked { get; set; }

    public int Lost { get; set; }

    public int Extra { get; set; }

    public FaultInjector? Faults { get; set; }

    /// <summary>What the outcome rows count ("inputs" by default; e.g. "keys" when re-uploads of a key make one outcome).</summary>
    public string OutcomeUnit { get; set; } = "inputs";

    /// <summary>What was found wrong (each a lost or extra item, or a broken invariant); empty when the run conserved everything.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Adds a row to the table (a figure specific to the path).</summary>
    public void Row(string name, object value) => _rows.Add((name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));

    /// <summary>Adds a titled markdown section after the table.</summary>
    public void Section(string title, string markdown) => _sections.Add($"### {title}\n\n{markdown.TrimEnd()}\n");

    public void Problem(string problem) => _problems.Add(problem);

    public TimeSpan Elapsed => _clock.Elapsed;

    public string Table()
    {
        var table = new StringBuilder();
        table.AppendLine("| | |");
        table.AppendLine("|---|---:|");
        void Add(string name, object value) => table.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        Add("mode", settings.Mode);
        Add("seed", settings.Seed);
        Add("fault rate (per call)", settings.FaultRate.ToString("0.###", CultureInfo.InvariantCulture));
        Add("inputs", Inputs);
        Add("of which duplicates", Duplicates);
        Add("of which bad inputs", BadInputs);
        foreach ((string name, string value) in _rows)
        {
            Add(name, value);
        }

        if (Faults is not null)
        {
            Add("calls seen by the fault layer (faultable)", $"{Faults.Requests} ({Faults.EligibleRequests})");
            Add("failures injected (share of faultable calls)", $"{Faults.Failures} ({(Faults.EligibleRequests == 0 ? 0 : 100.0 * Faults.Failures / Faults.EligibleRequests).ToString("0.0", CultureInfo.InvariantCulture)}%)");
            foreach (var kind in Faults.Injected.GroupBy(f => f.Kind).OrderBy(g => g.Key))
            {
                Add($"faults: {kind.Key}", kind.Key is FaultKind.Latency or FaultKind.Outage
                    ? kind.Count().ToString(CultureInfo.InvariantCulture)
                    : $"{kind.Count()} ({kind.Count(f => f.Phase == FaultPhase.After)} after)");
            }
        }

        Add($"outcome: processed ({OutcomeUnit})", Processed);
        Add($"outcome: DLQ ({OutcomeUnit})", DeadLettered);
        Add($"outcome: parked ({OutcomeUnit})", Parked);
        Add("lost", Lost);
        Add("extra", Extra);
        Add("wall time", $"{Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        return table.ToString();
    }

    /// <summary>One line: path, mode, inputs, faults, outcomes, lost, extra, seed, time.</summary>
    public string SummaryLine() =>
        $"conservation {path} ({settings.Mode}): {Inputs} inputs ({Duplicates} duplicates, {BadInputs} bad), "
        + $"{Faults?.Failures ?? 0} failures injected on {Faults?.EligibleRequests ?? 0} faultable calls; processed {Processed}, DLQ {DeadLettered}, parked {Parked}; "
        + $"lost {Lost}, extra {Extra}; seed {settings.Seed}; {Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";

    /// <summary>Writes the table (and sections) to artifacts/integration/conservation/&lt;path&gt;.md; returns the file.</summary>
    public string Write()
    {
        string directory = System.IO.Path.Combine(RepoPaths.IntegrationArtifacts, "conservation");
        Directory.CreateDirectory(directory);
        string file = System.IO.Path.Combine(directory, path + ".md");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Conservation run: {path} ({settings.Mode})");
        text.AppendLine();
        text.AppendLine(Table());
        if (Faults is not null)
        {
            text.AppendLine("### Faults injected by kind and service");
            text.AppendLine();
            text.AppendLine(Faults.Table());
        }

        foreach (string section in _sections)
        {
            text.AppendLine(section);
        }

        if (_problems.Count > 0)
        {
            text.AppendLine("### Problems");
            text.AppendLine();
            foreach (string problem in _problems)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {problem}");
            }
        }

        File.WriteAllText(file, text.ToString());
        return file;
    }

    /// <summary>The failure message: what was lost or extra (first 30), the summary, and how to replay.</summary>
    public string Failure() =>
        $"Conservation broken on {path}: {_problems.Count} problem(s); replay with {settings.Replay}.\n"
        + string.Join("\n", _problems.Take(30).Select(p => "  - " + p))
        + (_problems.Count > 30 ? $"\n  ... and {_problems.Count - 30} more" : "")
        + $"\n{SummaryLine()}";
}
