using System.Text.Json;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>MwaaBackupCatalog's input: <c>saveConfiguration</c>, <c>verify</c> or <c>loadLatest</c> and their members.</summary>
public sealed class CatalogInput
{
    public string? Action { get; init; }

    /// <summary>saveConfiguration: <c>yyyyMMddTHHmmssZ</c>.</summary>
    public string? BackupId { get; init; }

    /// <summary>saveConfiguration: GetEnvironment's <c>Environment</c> (PascalCase members). Never logged.</summary>
    public JsonElement? Environment { get; init; }

    /// <summary>verify: <c>backups/{env}/{backupId}/</c>.</summary>
    public string? Prefix { get; init; }

    /// <summary>verify: whether the backup has a metadata export (manifest) to check.</summary>
    public bool? Metadata { get; init; }
}

/// <summary>What the export DAG is given as its run's conf.</summary>
public sealed record ExportConf(string Bucket, string Prefix, string KmsKeyArn, bool ExportConnections, bool ExportVariables);

/// <summary>saveConfiguration's output.</summary>
public sealed record SaveConfigurationOutput(
    string BackupId, string Prefix, string AirflowVersion, string MetadataExport, string? Reason, string RunId, ExportConf ExportConf);

/// <summary>verify's output: the manifest's totals (zero without metadata) and the backups pruned.</summary>
public sealed record VerifyOutput(string Prefix, int Files, long Rows, long Bytes, IReadOnlyList<string> Pruned);

/// <summary>What the import DAG is given as its run's conf.</summary>
public sealed record ImportConf(string Bucket, string Prefix);

/// <summary>loadLatest's output; <see cref="Request"/> holds all 25 CreateEnvironment members, null when absent.</summary>
public sealed record LoadLatestOutput(string BackupId, string Prefix, bool Metadata, string RunId, ImportConf ImportConf, JsonElement Request);

/// <summary><c>backups/{env}/latest-verified.json</c>, and each verified backup's <c>verified.json</c>.</summary>
public sealed record LatestVerified(string BackupId, string Prefix, bool Metadata, string AirflowVersion, string VerifiedAt);

/// <summary>The export DAG's <c>manifest.json</c> (format <c>patterns-cdk-mwaa-backup/1</c>).</summary>
public sealed class BackupManifest
{
    public string? Format { get; init; }

    public string? AirflowVersion { get; init; }

    public string? CreatedAt { get; init; }

    public long? DagCount { get; init; }

    public IReadOnlyList<ManifestFile>? Files { get; init; }
}

/// <summary>One file of a manifest; <see cref="Path"/> is relative to the backup prefix.</summary>
public sealed class ManifestFile
{
    public string? Path { get; init; }

    public string? Table { get; init; }

    public long? Rows { get; init; }

    public long? Bytes { get; init; }

    public string? Sha256 { get; init; }

    public IReadOnlyList<string>? Columns { get; init; }

    public bool? Secret { get; init; }
}
