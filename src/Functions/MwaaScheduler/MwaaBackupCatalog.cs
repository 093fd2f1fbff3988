using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Patterns.Cdk.Functions.MwaaScheduler.Catalog;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>
/// The backups of one MWAA environment in the backup bucket (<c>BACKUP_BUCKET</c>, SSE-KMS with <c>BACKUP_KEY_ARN</c>):
/// <list type="bullet">
/// <item><c>saveConfiguration</c>: stores the CreateEnvironment request rebuilt from GetEnvironment
/// (<see cref="CreateEnvironmentRequest"/>) as <c>backups/{env}/{backupId}/environment.json</c> and decides whether the
/// metadata can be exported (<see cref="AirflowVersionSupport"/>); returns the export DAG's run id and conf.</item>
/// <item><c>verify</c>: checks the backup (<see cref="ManifestCheck"/>, every file streamed through SHA-256, saved S3
/// object versions still there); only then writes <c>latest-verified.json</c> and prunes older backups
/// (<see cref="BackupPruning"/>). Any problem is a <see cref="BackupVerificationFailed"/> listing all of them.</item>
/// <item><c>loadLatest</c>: the latest verified backup and its request (<see cref="NoVerifiedBackup"/> if none).</item>
/// </list>
/// Never logs or quotes configuration values, connection or variable contents. Handler string: <c>MwaaBackupCatalog</c>.
/// </summary>
public sealed class MwaaBackupCatalog
{
    private const int ProblemsListed = 20;

    private readonly BackupStore _store;
    private readonly CatalogSettings _settings;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the S3 client once.</summary>
    public MwaaBackupCatalog()
        : this(AwsClients.CreateS3(), CatalogSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public MwaaBackupCatalog(IAmazonS3 s3, CatalogSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _store = new BackupStore(s3, settings.Bucket, settings.KeyArn);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Handles one workflow task invocation.</summary>
    public Task<Stream> HandleAsync(Stream input) => MwaaInvocation.RunAsync(_log, async () =>
    {
        CatalogInput request = await LambdaJson.ReadAsync(input, MwaaJsonContext.Default.CatalogInput);

        return request.Action switch
        {
            "saveConfiguration" => LambdaJson.Write(await SaveConfigurationAsync(request), MwaaJsonContext.Default.SaveConfigurationOutput),
            "verify" => LambdaJson.Write(await VerifyAsync(request), MwaaJsonContext.Default.VerifyOutput),
            "loadLatest" => LambdaJson.Write(await LoadLatestAsync(), MwaaJsonContext.Default.LoadLatestOutput),
            null => throw new BadInput("action is required (saveConfiguration, verify or loadLatest)"),
            _ => throw new BadInput($"action must be saveConfiguration, verify or loadLatest (got '{(request.Action.Length > 40 ? request.Action[..40] : request.Action)}')"),
        };
    });

    internal async Task<SaveConfigurationOutput> SaveConfigurationAsync(CatalogInput request)
    {
        string backupId = request.BackupId is { } id && BackupLayout.BackupId().IsMatch(id)
            ? id
            : throw new BadInput($"backupId must be a UTC timestamp yyyyMMddTHHmmssZ (got '{request.BackupId ?? "(none)"}')");
        JsonElement environment = request.Environment ?? throw new BadInput("environment (GetEnvironment's Environment) is required");
        byte[] saved = CreateEnvironmentRequest.Build(environment, _settings.EnvironmentName);
        string? version = environment.TryGetProperty("AirflowVersion", out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        AirflowVersionSupport support = AirflowVersionSupport.Decide(version);
        string prefix = BackupLayout.Prefix(_settings.EnvironmentName, backupId);
        await _store.PutJsonAsync(prefix + BackupLayout.EnvironmentFile, saved);
        _log.Info("environment configuration saved", ("prefix", prefix), ("airflowVersion", version), ("metadataExport", support.MetadataExport));
        return new SaveConfigurationOutput(
            backupId, prefix, version ?? "unknown", support.MetadataExport, support.Reason, BackupLayout.ExportRunId(backupId),
            new ExportConf(_settings.Bucket, prefix, _settings.KeyArn, _settings.ExportConnections, _settings.ExportVariables));
    }

    internal async Task<VerifyOutput> VerifyAsync(CatalogInput request)
    {
        string prefix = request.Prefix ?? throw new BadInput("prefix is required");
        string backupId = BackupLayout.BackupIdOf(_settings.EnvironmentName, prefix)
            ?? throw new BadInput($"prefix must be {_settings.EnvironmentPrefix}<yyyyMMddTHHmmssZ>/ (got '{prefix}')");
        bool metadata = request.Metadata ?? throw new BadInput("metadata (true or false) is required");
        JsonLog log = _log.With(("prefix", prefix), ("metadata", metadata ? "true" : "false"));

        var problems = new List<string>();
        byte[]? environmentJson = await _store.GetBytesAsync(prefix + BackupLayout.EnvironmentFile);
        if (environmentJson is null)
        {
            throw Failed(prefix, ["environment.json is missing"], log);
        }

        JsonElement saved = ParseObject(environmentJson, "environment.json", problems);
        string? airflowVersion = StringMember(saved, "AirflowVersion");
        await CheckSavedVersionsAsync(saved, problems);

        int files = 0;
        long rows = 0;
        long bytes = 0;
        if (metadata)
        {
            (files, rows, bytes) = await CheckMetadataAsync(prefix, airflowVersion, problems);
        }

        if (problems.Count > 0)
        {
            throw Failed(prefix, problems, log);
        }

        var verified = new LatestVerified(backupId, prefix, metadata, airflowVersion ?? "unknown",
            _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        byte[] pointer = JsonSerializer.SerializeToUtf8Bytes(verified, MwaaJsonContext.Default.LatestVerified);
        await _store.PutJsonAsync(prefix + BackupLayout.VerifiedFile, pointer);
        await _store.PutJsonAsync(_settings.EnvironmentPrefix + BackupLayout.LatestVerifiedFile, pointer);
        IReadOnlyList<string> pruned = await PruneAsync(backupId, log);
        log.Info("backup verified", ("files", files), ("rows", rows), ("bytes", bytes), ("pruned", pruned.Count));
        return new VerifyOutput(prefix, files, rows, bytes, pruned);
    }

    internal async Task<LoadLatestOutput> LoadLatestAsync()
    {
        string pointerKey = _settings.EnvironmentPrefix + BackupLayout.LatestVerifiedFile;
        byte[] pointerJson = await _store.GetBytesAsync(pointerKey)
            ?? throw new NoVerifiedBackup($"there is no verified backup of environment {_settings.EnvironmentName} (s3://{_settings.Bucket}/{pointerKey} does not exist)");
        LatestVerified? pointer;
        try
        {
            pointer = JsonSerializer.Deserialize(pointerJson, MwaaJsonContext.Default.LatestVerified);
        }
        catch (JsonException e)
        {
            throw new NoVerifiedBackup($"s3://{_settings.Bucket}/{pointerKey} is not a latest-verified pointer ({e.GetType().Name})");
        }

        string? backupId = pointer?.Prefix is { } p ? BackupLayout.BackupIdOf(_settings.EnvironmentName, p) : null;
        if (pointer is null || backupId is null || backupId != pointer.BackupId)
        {
            throw new NoVerifiedBackup($"s3://{_settings.Bucket}/{pointerKey} does not name a backup of environment {_settings.EnvironmentName}");
        }

        byte[] environmentJson = await _store.GetBytesAsync(pointer.Prefix + BackupLayout.EnvironmentFile)
            ?? throw new NoVerifiedBackup($"the latest verified backup {pointer.Prefix} has no environment.json any more");
        var problems = new List<string>();
        JsonElement saved = ParseObject(environmentJson, "environment.json", problems);
        if (StringMember(saved, "Name") != _settings.EnvironmentName)
        {
            problems.Add($"its environment.json is not of environment {_settings.EnvironmentName}");
        }

        if (problems.Count > 0)
        {
            throw new NoVerifiedBackup($"the latest verified backup {pointer.Prefix} cannot be used: {string.Join("; ", problems)}");
        }

        _log.Info("latest verified backup loaded", ("prefix", pointer.Prefix), ("metadata", pointer.Metadata ? "true" : "false"));
        return new LoadLatestOutput(
            backupId, pointer.Prefix, pointer.Metadata, BackupLayout.ImportRunId(backupId), new ImportConf(_settings.Bucket, pointer.Prefix),
            CreateEnvironmentRequest.WithAllMembers(saved));
    }

    private async Task CheckSavedVersionsAsync(JsonElement saved, List<string> problems)
    {
        string? sourceBucketArn = StringMember(saved, "SourceBucketArn");
        foreach ((string pathMember, string versionMember) in CreateEnvironmentRequest.VersionedObjects)
        {
            string? key = StringMember(saved, pathMember);
            string? version = StringMember(saved, versionMember);
            if (key is null || version is null)
            {
                continue; // nothing saved, or the latest object is used: no version to lose
            }

            if (sourceBucketArn is null || !sourceBucketArn.StartsWith("arn:", StringComparison.Ordinal) || !sourceBucketArn.Contains(":::", StringComparison.Ordinal))
            {
                problems.Add($"SourceBucketArn is not an S3 bucket ARN, so {pathMember} cannot be checked");
                return;
            }

            string sourceBucket = sourceBucketArn[(sourceBucketArn.IndexOf(":::", StringComparison.Ordinal) + 3)..];
            if (!await _store.VersionExistsAsync(sourceBucket, key, version))
            {
                problems.Add($"{versionMember} {version} of s3://{sourceBucket}/{key} no longer exists (CreateEnvironment would fail)");
            }
        }
    }

    private async Task<(int Files, long Rows, long Bytes)> CheckMetadataAsync(string prefix, string? airflowVersion, List<string> problems)
    {
        byte[]? manifestJson = await _store.GetBytesAsync(prefix + BackupLayout.ManifestFile);
        if (manifestJson is null)
        {
            problems.Add("manifest.json is missing (the export did not finish)");
            return (0, 0, 0);
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(manifestJson, MwaaJsonContext.Default.BackupManifest);
        }
        catch (JsonException e)
        {
            problems.Add($"manifest.json is not a manifest ({e.GetType().Name} at {e.Path ?? "the root"})");
            return (0, 0, 0);
        }

        if (manifest is null)
        {
            problems.Add("manifest.json is JSON null");
            return (0, 0, 0);
        }

        List<string> manifestProblems = ManifestCheck.Check(
            manifest, airflowVersion, ManifestCheck.Required(_settings.ExportConnections, _settings.ExportVariables));
        problems.AddRange(manifestProblems);
        IReadOnlyList<ManifestFile> files = manifest.Files ?? [];
        long rows = 0;
        long bytes = 0;
        foreach (ManifestFile file in files)
        {
            if (file is null || !ManifestCheck.IsFilePath(file.Path))
            {
                continue; // an unusable path is already a problem; never read outside the backup
            }

            FileMeasurement? measured = await _store.MeasureAsync(prefix + file.Path);
            problems.AddRange(ManifestCheck.Compare(file, measured));
            rows += measured?.Rows ?? 0;
            bytes += measured?.Bytes ?? 0;
        }

        return (files.Count, rows, bytes);
    }

    private async Task<IReadOnlyList<string>> PruneAsync(string current, JsonLog log)
    {
        try
        {
            List<string> keys = await _store.ListKeysAsync(_settings.EnvironmentPrefix);
            var byBackup = keys
                .Select(k => (Key: k, Relative: k[_settings.EnvironmentPrefix.Length..]))
                .Where(k => k.Relative.IndexOf('/', StringComparison.Ordinal) > 0)
                .GroupBy(k => k.Relative[..k.Relative.IndexOf('/', StringComparison.Ordinal)], StringComparer.Ordinal)
                .Where(g => BackupLayout.BackupId().IsMatch(g.Key))
                .ToDictionary(g => g.Key, g => g.Select(k => k.Key).ToList(), StringComparer.Ordinal);
            var entries = byBackup.Select(b => new BackupEntry(b.Key, b.Value.Contains(BackupLayout.Prefix(_settings.EnvironmentName, b.Key) + BackupLayout.VerifiedFile)));
            IReadOnlyList<string> doomed = BackupPruning.Choose(entries, _settings.BackupsToKeep, current);
            foreach (string id in doomed)
            {
                await _store.DeleteAsync(byBackup[id]);
            }

            return doomed;
        }
        catch (Exception e) when (e is AmazonS3Exception or InvalidOperationException)
        {
            // The backup is verified and the pointer written: a pruning failure must not fail the pause.
            log.Warn("older backups not pruned; the next verification tries again", e);
            return [];
        }
    }

    private BackupVerificationFailed Failed(string prefix, List<string> problems, JsonLog log)
    {
        string listed = string.Join("; ", problems.Take(ProblemsListed));
        string more = problems.Count > ProblemsListed ? $"; and {problems.Count - ProblemsListed} more" : "";
        log.Error("backup failed verification", ("problems", problems.Count));
        return new BackupVerificationFailed($"backup s3://{_settings.Bucket}/{prefix} failed verification ({problems.Count} problem(s)): {listed}{more}");
    }

    private static JsonElement ParseObject(byte[] json, string name, List<string> problems)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
            // reported below, without the parser's message (it can quote the content)
        }

        problems.Add($"{name} is not a JSON object ({Encoding.UTF8.GetCharCount(json)} characters)");
        using JsonDocument empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
