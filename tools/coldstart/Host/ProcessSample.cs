using System.Globalization;

namespace Patterns.Cdk.ColdStart;

/// <summary>
/// What the kernel says about a live process (read from <c>/proc</c> right after its first outcome, before it is
/// killed): page faults, CPU time, resident memory and threads.
/// </summary>
/// <param name="MinorFaults">Minor page faults (pages mapped from the page cache or zero-filled), all threads.</param>
/// <param name="MajorFaults">Major page faults (pages read from disk), all threads.</param>
/// <param name="CpuMs">CPU time of the live threads (<c>/proc/pid/task/*/schedstat</c>), user + system.</param>
/// <param name="RssKb">Resident set size.</param>
/// <param name="Threads">Threads.</param>
internal sealed record ProcessSample(long MinorFaults, long MajorFaults, double CpuMs, long RssKb, int Threads)
{
    public static ProcessSample? TryRead(int pid)
    {
        try
        {
            // /proc/pid/stat: "pid (comm) state ppid ..." — fields after the comm, counted from 3 (state).
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long minor = long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
            long major = long.Parse(fields[12 - 3], CultureInfo.InvariantCulture);
            double cpuNs = 0;
            int threads = 0;
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                cpuNs += long.Parse(schedstat.Split(' ')[0], CultureInfo.InvariantCulture);
                threads++;
            }

            long rss = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }

            return new ProcessSample(minor, major, cpuNs / 1e6, rss, threads);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
