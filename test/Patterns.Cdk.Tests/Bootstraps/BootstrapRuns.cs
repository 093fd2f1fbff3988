using Patterns.Cdk.Testing;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// Runs every scenario's processes once, in parallel (a few at a time: qemu is CPU-bound), as soon as the first test asks
/// for one, so the tests, which xunit runs one after the other in this assembly, mostly find their run finished.
/// <list type="bullet">
/// <item>Protocol run: the success and the failure payloads queued, the process started, both outcomes awaited; then
/// the fake Runtime API answers <c>/next</c> with an error, standing for the sandbox going away, and the process must
/// exit with code 2 (it went on to the next invocation after the handler error).</item>
/// <item>Init run: the scenario's settings broken; <c>/init/error</c> awaited and exit code 1.</item>
/// </list>
/// The zips are extracted from the assembly (what ships) into a temporary directory, deleted on dispose.
/// </summary>
public sealed class BootstrapRuns : IDisposable
{
    private const int Concurrency = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "patterns-cdk-bootstraps-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly SemaphoreSlim _gate = new(Concurrency);
    private readonly Dictionary<string, string> _directories = new(StringComparer.Ordinal);
    private readonly Lazy<(Dictionary<string, Task<ProtocolRun>> Protocol, Dictionary<string, Task<InitRun>> Init)> _runs;

    public BootstrapRuns()
    {
        _runs = new Lazy<(Dictionary<string, Task<ProtocolRun>>, Dictionary<string, Task<InitRun>>)>(StartAll);
    }

    internal Task<ProtocolRun> Protocol(string handler) => _runs.Value.Protocol[handler];

    internal Task<InitRun> Init(string handler) => _runs.Value.Init[handler];

    public void Dispose()
    {
        if (_runs.IsValueCreated)
        {
            // Every run ends on its own (exit or timeout-kill); wait for them before deleting their directories.
            Task.WhenAll(_runs.Value.Protocol.Values.Cast<Task>().Concat(_runs.Value.Init.Values)).ContinueWith(_ => { }, TaskScheduler.Default).Wait(Timeout * 2);
        }

        _gate.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was extracted.
        }
    }

    private (Dictionary<string, Task<ProtocolRun>>, Dictionary<string, Task<InitRun>>) StartAll()
    {
        // Every zip once, before any process starts: rewriting a bootstrap that qemu is running kills it with SIGBUS.
        foreach (string zip in BootstrapScenario.All.Values.Select(s => s.Handler.ZipName).Distinct())
        {
            _directories[zip] = BootstrapProcess.Extract(zip, _root);
        }

        var protocol = BootstrapScenario.All.Values.ToDictionary(s => s.Handler.Handler, s => Task.Run(() => Gated(() => RunProtocolAsync(s))), StringComparer.Ordinal);
        var init = BootstrapScenario.All.Values.ToDictionary(s => s.Handler.Handler, s => Task.Run(() => Gated(() => RunInitAsync(s))), StringComparer.Ordinal);
        return (protocol, init);
    }

    private async Task<T> Gated<T>(Func<Task<T>> run)
    {
        await _gate.WaitAsync();
        try
        {
            return await run();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ProtocolRun> RunProtocolAsync(BootstrapScenario scenario)
    {
        string qemu = BootstrapProcess.FindQemu();
        using var api = new FakeLambdaRuntimeApi();
        using var aws = new FakeAwsEndpoint();
        scenario.Arrange(aws);
        string success = api.Enqueue(scenario.Success);
        string failure = api.Enqueue(scenario.Failure);
        api.EndWhenDrained = true;
        using BootstrapProcess process = BootstrapProcess.Start(qemu, ExtractedDirectory(scenario), ProcessEnvironment(scenario, api, aws, scenario.Settings(aws)));
        string what = $"{scenario.Handler.Handler} ({scenario.Handler.ZipName})";
        try
        {
            RuntimeApiCall successOutcome = await process.UntilExitAsync(api.OutcomeAsync(success, Timeout));
            RuntimeApiCall failureOutcome = await process.UntilExitAsync(api.OutcomeAsync(failure, Timeout));
            int exitCode = await process.WaitForExitAsync(Timeout, what);
            return new ProtocolRun(successOutcome, failureOutcome, exitCode, api.Calls, aws, process.Output);
        }
        catch (Exception e) when (e is TimeoutException or BootstrapExitedException)
        {
            process.Kill();
            throw new InvalidOperationException($"{what}: {e.Message}{Environment.NewLine}{process.Output}{Environment.NewLine}AWS requests:{Environment.NewLine}{aws.Describe()}", e);
        }
    }

    private async Task<InitRun> RunInitAsync(BootstrapScenario scenario)
    {
        string qemu = BootstrapProcess.FindQemu();
        using var api = new FakeLambdaRuntimeApi();
        using var aws = new FakeAwsEndpoint();
        scenario.Arrange(aws);
        api.Enqueue(scenario.Success); // never taken: init fails first
        Dictionary<string, string> settings = scenario.Settings(aws);
        (string name, string? value) = scenario.BreakSettings;
        if (value is null)
        {
            settings.Remove(name);
        }
        else
        {
            settings[name] = value;
        }

        using BootstrapProcess process = BootstrapProcess.Start(qemu, ExtractedDirectory(scenario), ProcessEnvironment(scenario, api, aws, settings));
        string what = $"{scenario.Handler.Handler} ({scenario.Handler.ZipName}) without a valid {name}";
        try
        {
            RuntimeApiCall initError = await process.UntilExitAsync(api.InitErrorAsync(Timeout));
            int exitCode = await process.WaitForExitAsync(Timeout, what);
            return new InitRun(initError, exitCode, api.Calls, process.Output);
        }
        catch (Exception e) when (e is TimeoutException or BootstrapExitedException)
        {
            process.Kill();
            throw new InvalidOperationException($"{what}: {e.Message}{Environment.NewLine}{process.Output}", e);
        }
    }

    private string ExtractedDirectory(BootstrapScenario scenario) => _directories[scenario.Handler.ZipName];

    /// <summary>What Lambda gives a function (region, role credentials, handler string, Runtime API), every AWS endpoint pointed at the fake, and the function's settings.</summary>
    private Dictionary<string, string> ProcessEnvironment(BootstrapScenario scenario, FakeLambdaRuntimeApi api, FakeAwsEndpoint aws, Dictionary<string, string> settings)
    {
        string home = Path.Combine(_root, "home");
        Directory.CreateDirectory(home);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
            ["_HANDLER"] = scenario.Handler.Handler,
            ["AWS_LAMBDA_FUNCTION_NAME"] = scenario.Handler.Handler,
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
            ["AWS_REGION"] = BootstrapScenario.Region,
            ["AWS_DEFAULT_REGION"] = BootstrapScenario.Region,
            // AWS's documented example credentials, as Lambda passes the role's.
            ["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ["AWS_SESSION_TOKEN"] = "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
            // Every SDK client to the fake (the SDK reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>); nothing else.
            ["AWS_ENDPOINT_URL"] = aws.Url,
            ["AWS_ENDPOINT_URL_S3"] = aws.Url,
            ["AWS_ENDPOINT_URL_SQS"] = aws.Url,
            ["AWS_ENDPOINT_URL_DYNAMODB"] = aws.Url,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = Path.Combine(home, "no-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home, "no-credentials"),
            ["HOME"] = home,
            ["TMPDIR"] = Path.GetTempPath(),
            ["LANG"] = "C.UTF-8",
        };
        foreach ((string name, string value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }
}

/// <summary>A process that took the success and the failure invocation and then lost its Runtime API.</summary>
internal sealed record ProtocolRun(RuntimeApiCall Success, RuntimeApiCall Failure, int ExitCode, IReadOnlyList<RuntimeApiCall> Calls, FakeAwsEndpoint Aws, string Output);

/// <summary>A process whose init failed.</summary>
internal sealed record InitRun(RuntimeApiCall InitError, int ExitCode, IReadOnlyList<RuntimeApiCall> Calls, string Output);
