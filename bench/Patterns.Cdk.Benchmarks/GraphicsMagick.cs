using System.Diagnostics;

namespace Patterns.Cdk.Benchmarks;

/// <summary>Finds (or, as root on Debian, installs) GraphicsMagick and runs the seed's command.</summary>
public static class GraphicsMagick
{
    /// <summary>Full path of <c>gm</c>, or null when (b) cannot run.</summary>
    public static string? Executable { get; private set; }

    /// <summary>How <c>gm</c> was found, or why (b) was not run.</summary>
    public static string Status { get; private set; } = "not looked for";

    /// <summary><c>gm -version</c>'s first line.</summary>
    public static string Version { get; private set; } = "";

    public static void Locate()
    {
        Executable = Which("gm");
        if (Executable is not null)
        {
            Status = $"found on PATH: {Executable}";
        }
        else if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            Status = "gm is not on PATH and this is not root, so it was not installed: (b) was not run";
        }
        else
        {
            Console.WriteLine("// gm not found: apt-get install -y graphicsmagick");
            if (Run("apt-get", "install", "-y", "graphicsmagick") != 0)
            {
                Run("apt-get", "update");
                Run("apt-get", "install", "-y", "graphicsmagick");
            }

            Executable = Which("gm");
            Status = Executable is null
                ? "apt-get install -y graphicsmagick failed: (b) was not run"
                : $"installed with apt-get: {Executable}";
        }

        if (Executable is not null)
        {
            var version = Capture(Executable, "-version");
            Version = version.Split('\n', 2)[0].Trim();
        }
    }

    /// <summary>The seed's operation, as a process; returns gm's exit code (0), throws otherwise.</summary>
    public static int RunSeedCommand(string input, string output, int? threads)
    {
        var start = SeedCommand(input, output);
        if (threads is int n)
        {
            start.Environment["OMP_NUM_THREADS"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("gm did not start");
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : throw new InvalidOperationException($"gm failed ({process.ExitCode}): {errors}");
    }

    public static ProcessStartInfo SeedCommand(string input, string output)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(Status))
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("convert");
        start.ArgumentList.Add(input);
        foreach (string region in BenchmarkInput.GraphicsMagickRegions)
        {
            start.ArgumentList.Add("-region");
            start.ArgumentList.Add(region);
            start.ArgumentList.Add("-blur");
            start.ArgumentList.Add("0x70");
        }

        start.ArgumentList.Add(output);
        return start;
    }

    internal static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"// {file}: {e.Message}");
            return -1;
        }
    }

    private static string Capture(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
