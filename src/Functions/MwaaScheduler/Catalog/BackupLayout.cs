using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>
/// Where a backup lives in the bucket: <c>backups/{env}/{backupId}/environment.json</c>, <c>manifest.json</c>,
/// <c>metadata/*.jsonl</c>, <c>secrets/*.jsonl</c>, <c>verified.json</c> (written with the pointer once the backup is
/// verified), and <c>backups/{env}/latest-verified.json</c>.
/// </summary>
public static partial class BackupLayout
{
    public const string EnvironmentFile = "environment.json";
    public const string ManifestFile = "manifest.json";
    public const string VerifiedFile = "verified.json";
    public const string LatestVerifiedFile = "latest-verified.json";

    /// <summary>A backup id: the UTC start of the pause, <c>yyyyMMddTHHmmssZ</c>.</summary>
    [GeneratedRegex("^[0-9]{8}T[0-9]{6}Z$", RegexOptions.CultureInvariant)]
    public static partial Regex BackupId();

    /// <summary><c>backups/{env}/{backupId}/</c>.</summary>
    public static string Prefix(string environmentName, string backupId) => $"backups/{environmentName}/{backupId}/";

    /// <summary>The backup id of <paramref name="prefix"/> when it is exactly <c>backups/{env}/{backupId}/</c> of this environment, else null.</summary>
    public static string? BackupIdOf(string environmentName, string prefix)
    {
        string start = $"backups/{environmentName}/";
        if (!prefix.StartsWith(start, StringComparison.Ordinal) || !prefix.EndsWith('/'))
        {
            return null;
        }

        string id = prefix[start.Length..^1];
        return BackupId().IsMatch(id) ? id : null;
    }

    /// <summary>The export DAG's run id for a backup (<c>pcdk-{id}</c>, short enough for InvokeRestApi's 64-character path).</summary>
    public static string ExportRunId(string backupId) => "pcdk-" + backupId;

    /// <summary>The import DAG's run id for a restore from a backup.</summary>
    public static string ImportRunId(string backupId) => "pcdk-i-" + backupId;
}
