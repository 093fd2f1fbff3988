using System.Globalization;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>
/// The rules a backup's <c>manifest.json</c> must follow (format <c>patterns-cdk-mwaa-backup/1</c>) before its files are
/// read, and the comparison of each file with what the manifest says about it. Problems name files, tables, counts,
/// sizes and digests; never contents.
/// </summary>
public static partial class ManifestCheck
{
    public const string Format = "patterns-cdk-mwaa-backup/1";

    /// <summary>Tables every export must contain (the export DAG writes each, empty or not).</summary>
    public static readonly IReadOnlyList<string> RequiredTables = ["slot_pool", "dag_run", "task_instance", "task_fail", "log", "xcom", "dag_state"];

    /// <summary>Tables that must have at least one row (a live environment always has DAGs and the default pool).</summary>
    public static readonly IReadOnlyList<string> NonEmptyTables = ["dag_state", "slot_pool"];

    /// <summary>Secret-bearing tables: under <c>secrets/</c>, with <c>secret: true</c>.</summary>
    public static readonly IReadOnlyList<string> SecretTables = ["connection", "variable"];

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    [GeneratedRegex("^(metadata|secrets)/[a-z0-9_]{1,64}\\.jsonl$", RegexOptions.CultureInvariant)]
    private static partial Regex FilePath();

    /// <summary>Whether a manifest path is one the catalog may read: <c>metadata/&lt;table&gt;.jsonl</c> or <c>secrets/&lt;table&gt;.jsonl</c>.</summary>
    public static bool IsFilePath(string? path) => path is not null && FilePath().IsMatch(path);

    /// <summary>The tables this deployment's export must contain.</summary>
    public static IReadOnlyList<string> Required(bool exportConnections, bool exportVariables)
    {
        var tables = new List<string>(RequiredTables);
        if (exportConnections)
        {
            tables.Add("connection");
        }

        if (exportVariables)
        {
            tables.Add("variable");
        }

        return tables;
    }

    /// <summary>Checks the manifest itself; returns the problems (empty when it is well formed and complete).</summary>
    /// <param name="manifest">The parsed manifest.</param>
    /// <param name="environmentAirflowVersion">The AirflowVersion saved in the backup's environment.json.</param>
    /// <param name="requiredTables">From <see cref="Required"/>.</param>
    public static List<string> Check(BackupManifest manifest, string? environmentAirflowVersion, IReadOnlyList<string> requiredTables)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(requiredTables);
        var problems = new List<string>();
        if (manifest.Format != Format)
        {
            problems.Add($"manifest format is '{manifest.Format ?? "(none)"}', expected '{Format}'");
        }

        if (string.IsNullOrEmpty(manifest.AirflowVersion))
        {
            problems.Add("manifest has no airflowVersion");
        }
        else if (!string.Equals(manifest.AirflowVersion, environmentAirflowVersion, StringComparison.Ordinal))
        {
            problems.Add($"manifest airflowVersion {manifest.AirflowVersion} differs from the saved environment's {environmentAirflowVersion ?? "(none)"}");
        }

        IReadOnlyList<ManifestFile> files = manifest.Files ?? [];
        if (manifest.Files is null)
        {
            problems.Add("manifest has no files list");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        var tables = new Dictionary<string, ManifestFile>(StringComparer.Ordinal);
        for (int i = 0; i < files.Count; i++)
        {
            ManifestFile? file = files[i];
            string where = $"files[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (file is null)
            {
                problems.Add($"{where} is null");
                continue;
            }

            if (file.Path is null || !FilePath().IsMatch(file.Path))
            {
                problems.Add($"{where}.path '{file.Path ?? "(none)"}' is not metadata/<table>.jsonl or secrets/<table>.jsonl");
            }
            else if (!paths.Add(file.Path))
            {
                problems.Add($"{where}.path {file.Path} is listed twice");
            }

            if (string.IsNullOrEmpty(file.Table))
            {
                problems.Add($"{where} has no table");
            }
            else if (!tables.TryAdd(file.Table, file))
            {
                problems.Add($"table {file.Table} is listed twice");
            }

            if (file.Rows is not >= 0)
            {
                problems.Add($"{where} ({file.Path}) has no row count");
            }

            if (file.Bytes is not >= 0)
            {
                problems.Add($"{where} ({file.Path}) has no byte count");
            }

            if (file.Sha256 is null || !Sha256Hex().IsMatch(file.Sha256))
            {
                problems.Add($"{where} ({file.Path}) has no lower-case hex SHA-256");
            }

            bool underSecrets = file.Path?.StartsWith("secrets/", StringComparison.Ordinal) == true;
            bool secretTable = file.Table is not null && SecretTables.Contains(file.Table);
            if (file.Secret != underSecrets || (secretTable && !underSecrets))
            {
                problems.Add($"{where} ({file.Path}): secret-bearing tables (connection, variable) must be under secrets/ with secret true, and only they");
            }
        }

        foreach (string table in requiredTables)
        {
            if (!tables.ContainsKey(table))
            {
                problems.Add($"required table {table} is missing");
            }
        }

        foreach (string table in NonEmptyTables)
        {
            if (tables.TryGetValue(table, out ManifestFile? file) && file.Rows == 0)
            {
                problems.Add($"table {table} has no rows (an environment always has some)");
            }
        }

        if (tables.TryGetValue("dag_state", out ManifestFile? dags) && manifest.DagCount != dags.Rows)
        {
            problems.Add($"manifest dagCount {manifest.DagCount?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} differs from dag_state's {dags.Rows?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} rows");
        }

        return problems;
    }

    /// <summary>Compares a stored file with its manifest entry; null <paramref name="measured"/> = the file is missing.</summary>
    public static List<string> Compare(ManifestFile file, FileMeasurement? measured)
    {
        ArgumentNullException.ThrowIfNull(file);
        var problems = new List<string>();
        if (measured is null)
        {
            problems.Add($"{file.Path} is missing");
            return problems;
        }

        if (measured.Bytes != file.Bytes)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{file.Path} has {measured.Bytes} bytes, the manifest says {file.Bytes}"));
        }

        if (!string.Equals(measured.Sha256, file.Sha256, StringComparison.Ordinal))
        {
            problems.Add($"{file.Path} has SHA-256 {measured.Sha256}, the manifest says {file.Sha256}");
        }

        if (measured.Rows != file.Rows)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{file.Path} has {measured.Rows} rows, the manifest says {file.Rows}"));
        }

        return problems;
    }
}
