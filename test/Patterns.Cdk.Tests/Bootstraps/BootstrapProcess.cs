using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// One shipped arm64 <c>bootstrap</c> running under <c>qemu-aarch64-static</c>, with exactly the environment given (no
/// variable of the test process leaks in, <c>QEMU_LD_PREFIX</c> included: with it set, runs hang). Its stdout and stderr
/// are captured, never printed; a process still running when disposed is killed.
/// </summary>
internal sealed class BootstrapProcess : IDisposable
{
    public const string Qemu = "qemu-aarch64-static";

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private BootstrapProcess(Process process)
    {
        _process = process;
    }

    /// <summary>What the process wrote to stderr (the loop's diagnostics) and stdout (the handlers' JSON log lines).</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                lock (_stderr)
                {
                    return $"stderr:{Environment.NewLine}{_stderr}{Environment.NewLine}stdout:{Environment.NewLine}{_stdout}";
                }
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The full path of qemu-aarch64-static, or a failure telling how to install it.</summary>
    public static string FindQemu()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, Qemu);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{Qemu} is not on PATH: the bootstrap protocol tests run the shipped arm64 executables under it. " +
            "Run tools/ci/aot-toolchain.sh (the README's test command, tools/test.sh, runs it) to install qemu-user-static and the arm64 runtime libraries.");
    }

    /// <summary>Extracts an embedded zip (what ships in Patterns.Cdk.dll) into a new directory, keeping each entry's Unix mode.</summary>
    public static string Extract(string zipName, string root)
    {
        string directory = Path.Combine(root, Path.GetFileNameWithoutExtension(zipName));
        Directory.CreateDirectory(directory);
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded(zipName)));
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            string path = Path.Combine(directory, entry.FullName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            entry.ExtractToFile(path, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, (UnixFileMode)(((uint)entry.ExternalAttributes >> 16) & 0x1FF));
            }
        }

        return directory;
    }

    public static BootstrapProcess Start(string qemu, string directory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(qemu)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, "bootstrap"));
        start.Environment.Clear();
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var running = new BootstrapProcess(process);
        process.OutputDataReceived += (_, e) => Append(running._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(running._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return running;
    }

    /// <summary>The exit code; on timeout the process is killed (the caller adds its <see cref="Output"/> to the failure).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{what} did not exit within {timeout.TotalSeconds:0} s; killed.");
        }

        return _process.ExitCode;
    }

    /// <summary>The awaited Runtime API call, unless the process exits first (a crash): then a failure with its exit code.</summary>
    public async Task<T> UntilExitAsync<T>(Task<T> call)
    {
        Task exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(call, exited) == call)
        {
            return await call;
        }

        // It may have made the call just before exiting.
        await Task.Delay(200);
        return call.IsCompletedSuccessfully
            ? await call
            : throw new BootstrapExitedException($"the process exited with code {_process.ExitCode} before making the expected Runtime API call.");
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

/// <summary>The bootstrap exited before the call a test waits for.</summary>
internal sealed class BootstrapExitedException(string message) : Exception(message);
