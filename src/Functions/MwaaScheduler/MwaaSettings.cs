using System.Text.RegularExpressions;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>Rules every MwaaScheduler handler shares.</summary>
internal static partial class MwaaNames
{
    public const string EnvironmentVariable = "ENVIRONMENT_NAME";

    /// <summary>MWAA's environment name rule.</summary>
    [GeneratedRegex("^[a-zA-Z][0-9a-zA-Z_-]{0,79}$", RegexOptions.CultureInvariant)]
    public static partial Regex EnvironmentName();

    public static string ReadEnvironmentName(SettingsReader reader)
    {
        string name = reader.Required(EnvironmentVariable);
        if (name.Length > 0 && !EnvironmentName().IsMatch(name))
        {
            reader.AddProblem($"{EnvironmentVariable} must be an MWAA environment name (a letter, then up to 79 letters, digits, '-' or '_'; got '{name}')");
        }

        return name;
    }

    public static bool ReadBoolean(SettingsReader reader, string name)
    {
        string value = reader.Required(name);
        switch (value)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "":
                return false;
            default:
                reader.AddProblem($"{name} must be true or false (got '{value}')");
                return false;
        }
    }
}

/// <summary>MwaaDagRuns' settings.</summary>
/// <param name="EnvironmentName"><c>ENVIRONMENT_NAME</c>: the MWAA environment whose Airflow is called.</param>
/// <param name="EndpointOverride"><c>MWAA_ENDPOINT</c> (tests only): where InvokeRestApi goes instead of <c>https://env.airflow.{region}.amazonaws.com</c>.</param>
public sealed record DagRunsSettings(string EnvironmentName, string? EndpointOverride)
{
    public const string EndpointVariable = "MWAA_ENDPOINT";

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static DagRunsSettings FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        string name = MwaaNames.ReadEnvironmentName(reader);
        string endpoint = reader.Optional(EndpointVariable);
        if (endpoint.Length > 0 && !(Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            reader.AddProblem($"{EndpointVariable} must be an absolute http(s) URL (got '{endpoint}')");
        }

        reader.ThrowIfInvalid(nameof(MwaaDagRuns));
        return new DagRunsSettings(name, endpoint.Length > 0 ? endpoint : null);
    }
}

/// <summary>MwaaBackupCatalog's settings.</summary>
/// <param name="Bucket"><c>BACKUP_BUCKET</c>.</param>
/// <param name="KeyArn"><c>BACKUP_KEY_ARN</c>: every object is written SSE-KMS with this key.</param>
/// <param name="EnvironmentName"><c>ENVIRONMENT_NAME</c>.</param>
/// <param name="BackupsToKeep"><c>BACKUPS_TO_KEEP</c> (1 to 100): verified backups kept by pruning.</param>
/// <param name="ExportConnections"><c>EXPORT_CONNECTIONS</c>: the export DAG writes connections (then required in a manifest).</param>
/// <param name="ExportVariables"><c>EXPORT_VARIABLES</c>: the same for variables.</param>
public sealed record CatalogSettings(string Bucket, string KeyArn, string EnvironmentName, int BackupsToKeep, bool ExportConnections, bool ExportVariables)
{
    public const string BucketVariable = "BACKUP_BUCKET";
    public const string KeyVariable = "BACKUP_KEY_ARN";
    public const string KeepVariable = "BACKUPS_TO_KEEP";
    public const string ConnectionsVariable = "EXPORT_CONNECTIONS";
    public const string VariablesVariable = "EXPORT_VARIABLES";
    public const int MaxBackupsToKeep = 100;

    /// <summary>The backups of this environment: <c>backups/{env}/</c>.</summary>
    public string EnvironmentPrefix => $"backups/{EnvironmentName}/";

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static CatalogSettings FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        string bucket = reader.Required(BucketVariable);
        string key = reader.Required(KeyVariable);
        if (key.Length > 0 && !key.StartsWith("arn:", StringComparison.Ordinal))
        {
            reader.AddProblem($"{KeyVariable} must be a KMS key ARN (got '{key}')");
        }

        string name = MwaaNames.ReadEnvironmentName(reader);
        int keep = reader.PositiveInt32(KeepVariable);
        if (keep > MaxBackupsToKeep)
        {
            reader.AddProblem($"{KeepVariable} must be at most {MaxBackupsToKeep} (got {keep})");
        }

        bool connections = MwaaNames.ReadBoolean(reader, ConnectionsVariable);
        bool variables = MwaaNames.ReadBoolean(reader, VariablesVariable);
        reader.ThrowIfInvalid(nameof(MwaaBackupCatalog));
        return new CatalogSettings(bucket, key, name, keep, connections, variables);
    }
}

/// <summary>MwaaLock's settings.</summary>
/// <param name="TableName"><c>LOCK_TABLE</c>: partition key <c>pk</c> (S), TTL attribute <c>ttl</c>.</param>
public sealed record LockSettings(string TableName)
{
    public const string TableVariable = "LOCK_TABLE";

    /// <exception cref="InvalidOperationException"><c>LOCK_TABLE</c> is not set.</exception>
    public static LockSettings FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        string table = reader.Required(TableVariable);
        reader.ThrowIfInvalid(nameof(MwaaLock));
        return new LockSettings(table);
    }
}
