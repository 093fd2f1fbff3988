using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.MwaaScheduler.Catalog;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;
using NSubstitute;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>MwaaBackupCatalog against an in-memory S3: save, verify (and what it refuses), the pointer, pruning, loadLatest.</summary>
public sealed class MwaaBackupCatalogTests
{
    private static readonly CatalogSettings Settings = new(MwaaSamples.Bucket, MwaaSamples.KeyArn, MwaaSamples.Environment, BackupsToKeep: 2, ExportConnections: true, ExportVariables: true);

    private readonly FakeBuckets _s3 = new();
    private readonly TestLog _log = new();

    public MwaaBackupCatalogTests()
    {
        _s3.Versions.Add((MwaaSamples.DagBucket, "plugins.zip", "plugins-v3"));
        _s3.Versions.Add((MwaaSamples.DagBucket, "requirements.txt", "req-v7"));
    }

    [Fact]
    public async Task SaveConfiguration_writes_the_request_with_the_backup_key_and_returns_the_export_conf()
    {
        JsonElement output = await InvokeAsync(Save(MwaaSamples.BackupId, MwaaSamples.Description()));

        PutObjectRequest put = _s3.Puts.Should().ContainSingle().Subject;
        put.BucketName.Should().Be(MwaaSamples.Bucket);
        put.Key.Should().Be(MwaaSamples.Prefix + "environment.json");
        put.ServerSideEncryptionMethod.Should().Be(ServerSideEncryptionMethod.AWSKMS);
        put.ServerSideEncryptionKeyManagementServiceKeyId.Should().Be(MwaaSamples.KeyArn);
        JsonNode saved = JsonNode.Parse(_s3.Get(MwaaSamples.Bucket, put.Key)!)!;
        saved["Arn"].Should().BeNull("output-only members are not saved");
        ((string?)saved["Name"]).Should().Be(MwaaSamples.Environment);

        output.GetProperty("backupId").GetString().Should().Be(MwaaSamples.BackupId);
        output.GetProperty("prefix").GetString().Should().Be(MwaaSamples.Prefix);
        output.GetProperty("airflowVersion").GetString().Should().Be("2.10.3");
        output.GetProperty("metadataExport").GetString().Should().Be("supported");
        output.TryGetProperty("reason", out _).Should().BeFalse();
        output.GetProperty("runId").GetString().Should().Be("pcdk-" + MwaaSamples.BackupId);
        output.GetProperty("exportConf").GetRawText().Should().Be(
            $$"""{"bucket":"{{MwaaSamples.Bucket}}","prefix":"{{MwaaSamples.Prefix}}","kmsKeyArn":"{{MwaaSamples.KeyArn}}","exportConnections":true,"exportVariables":true}""");
        _log.Text.Should().NotContain("s3cr3t-value", "configuration values are never logged");
    }

    [Fact]
    public async Task SaveConfiguration_of_airflow_3_says_unsupported_and_why()
    {
        JsonElement output = await InvokeAsync(Save(MwaaSamples.BackupId, MwaaSamples.Description("3.0.6")));

        output.GetProperty("metadataExport").GetString().Should().Be("unsupported");
        output.GetProperty("reason").GetString().Should().StartWith("Airflow 3.0.6: tasks cannot reach the metadata database");
        _s3.Puts.Should().ContainSingle("the configuration is saved either way");
    }

    [Theory]
    [InlineData("2026-12-05T20:00:00Z")]
    [InlineData("../../x")]
    [InlineData(null)]
    public async Task SaveConfiguration_needs_a_timestamp_backup_id(string? backupId)
    {
        (await FailAsync(Save(backupId, MwaaSamples.Description()))).Should().BeOfType<BadInput>().Which.Message.Should().Contain("yyyyMMddTHHmmssZ");
        _s3.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task SaveConfiguration_of_another_environment_is_bad_input()
    {
        JsonObject description = MwaaSamples.Description();
        description["Name"] = "someone-else";

        (await FailAsync(Save(MwaaSamples.BackupId, description))).Should().BeOfType<BadInput>();
        _s3.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task Verify_of_a_complete_backup_writes_the_pointer_and_reports_totals()
    {
        Dictionary<string, byte[]> files = StoreBackup(MwaaSamples.BackupId);

        JsonElement output = await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: true));

        output.GetProperty("prefix").GetString().Should().Be(MwaaSamples.Prefix);
        output.GetProperty("files").GetInt32().Should().Be(files.Count);
        output.GetProperty("rows").GetInt64().Should().Be(9);
        output.GetProperty("bytes").GetInt64().Should().Be(files.Values.Sum(f => f.Length));
        output.GetProperty("pruned").GetArrayLength().Should().Be(0);
        JsonNode pointer = JsonNode.Parse(_s3.Get(MwaaSamples.Bucket, "backups/analytics-prod/latest-verified.json")!)!;
        ((string?)pointer["backupId"]).Should().Be(MwaaSamples.BackupId);
        ((string?)pointer["prefix"]).Should().Be(MwaaSamples.Prefix);
        ((bool)pointer["metadata"]!).Should().BeTrue();
        ((string?)pointer["airflowVersion"]).Should().Be("2.10.3");
        ((string?)pointer["verifiedAt"]).Should().Be("2025-03-14T15:09:26Z");
        _s3.Get(MwaaSamples.Bucket, MwaaSamples.Prefix + "verified.json").Should().NotBeNull();
        _s3.Puts.Should().OnlyContain(p => p.ServerSideEncryptionKeyManagementServiceKeyId == MwaaSamples.KeyArn);
        _s3.HeadRequests.Select(h => (h.BucketName, h.Key, h.VersionId)).Should().BeEquivalentTo(
            [(MwaaSamples.DagBucket, "plugins.zip", "plugins-v3"), (MwaaSamples.DagBucket, "requirements.txt", "req-v7")]);
    }

    [Fact]
    public async Task A_tampered_file_fails_verification_and_writes_no_pointer()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.Put(MwaaSamples.Bucket, MwaaSamples.Prefix + "secrets/connection.jsonl", BackupFiles.Jsonl("""{"conn_id":"warehouse","conn_type":"postgres","password":"changed!","is_encrypted":false}"""));

        Exception error = await FailAsync(Verify(MwaaSamples.Prefix, metadata: true));

        ErrorReport.From(error).ErrorType.Should().Be("BackupVerificationFailed");
        error.Message.Should().Contain("secrets/connection.jsonl has SHA-256").And.NotContain("changed!").And.NotContain("pa55word");
        NoPointer();
    }

    [Fact]
    public async Task A_missing_file_fails_verification()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.Objects.Remove((MwaaSamples.Bucket, MwaaSamples.Prefix + "metadata/task_instance.jsonl"));

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain("metadata/task_instance.jsonl is missing");
        NoPointer();
    }

    [Fact]
    public async Task A_wrong_row_count_fails_verification()
    {
        Dictionary<string, byte[]> files = BackupFiles.Complete();
        JsonObject manifest = BackupFiles.Manifest(files);
        manifest["files"]!.AsArray().First(f => (string?)f!["table"] == "dag_run")!["rows"] = 3;
        StoreBackup(MwaaSamples.BackupId, files: files, manifest: manifest);

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain("metadata/dag_run.jsonl has 2 rows, the manifest says 3");
        NoPointer();
    }

    [Fact]
    public async Task A_missing_manifest_fails_verification()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.Objects.Remove((MwaaSamples.Bucket, MwaaSamples.Prefix + "manifest.json"));

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain("manifest.json is missing");
    }

    [Fact]
    public async Task A_manifest_that_is_not_json_fails_verification()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.Put(MwaaSamples.Bucket, MwaaSamples.Prefix + "manifest.json", "{\"files\":"u8.ToArray());

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain("manifest.json is not a manifest");
    }

    [Fact]
    public async Task A_missing_environment_json_fails_verification()
    {
        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: false))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain("environment.json is missing");
    }

    [Fact]
    public async Task A_saved_object_version_that_is_gone_fails_verification()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.Versions.Remove((MwaaSamples.DagBucket, "requirements.txt", "req-v7"));

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<BackupVerificationFailed>()
            .Which.Message.Should().Contain($"RequirementsS3ObjectVersion req-v7 of s3://{MwaaSamples.DagBucket}/requirements.txt no longer exists");
        NoPointer();
    }

    [Fact]
    public async Task An_access_error_on_a_version_check_is_not_a_verdict_but_an_error_to_retry()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.S3.GetObjectMetadataAsync(Arg.Any<GetObjectMetadataRequest>(), Arg.Any<CancellationToken>()).Returns(Task.FromException<GetObjectMetadataResponse>(FakeBuckets.AccessDenied));

        (await FailAsync(Verify(MwaaSamples.Prefix, metadata: true))).Should().BeOfType<AmazonS3Exception>();
        NoPointer();
    }

    [Fact]
    public async Task Verify_without_metadata_checks_only_the_configuration_and_versions()
    {
        _s3.Put(MwaaSamples.Bucket, MwaaSamples.Prefix + "environment.json", Saved(MwaaSamples.Description("3.0.6")));

        JsonElement output = await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: false));

        output.GetProperty("files").GetInt32().Should().Be(0);
        ((bool)JsonNode.Parse(_s3.Get(MwaaSamples.Bucket, "backups/analytics-prod/latest-verified.json")!)!["metadata"]!).Should().BeFalse();
    }

    [Theory]
    [InlineData("backups/other-env/20261205T200000Z/")]
    [InlineData("backups/analytics-prod/20261205T200000Z")]
    [InlineData("backups/analytics-prod/../other/20261205T200000Z/")]
    [InlineData("backups/analytics-prod/latest/")]
    public async Task Verify_only_accepts_this_environments_backup_prefixes(string prefix)
    {
        (await FailAsync(Verify(prefix, metadata: true))).Should().BeOfType<BadInput>();
        _s3.Puts.Should().BeEmpty();
    }

    [Fact]
    public async Task Verify_without_the_metadata_flag_is_bad_input() =>
        (await FailAsync($$"""{"action":"verify","prefix":"{{MwaaSamples.Prefix}}"}""")).Should().BeOfType<BadInput>().Which.Message.Should().Contain("metadata");

    [Fact]
    public async Task A_successful_verification_prunes_backups_older_than_the_kept_verified_ones()
    {
        StoreBackup("20261201T200000Z", verified: true);
        StoreBackup("20261202T200000Z", verified: false);
        StoreBackup("20261203T200000Z", verified: true);
        StoreBackup("20261204T200000Z", verified: true);
        StoreBackup(MwaaSamples.BackupId);

        JsonElement output = await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: true));

        output.GetProperty("pruned").EnumerateArray().Select(e => e.GetString()).Should().Equal("20261201T200000Z", "20261202T200000Z", "20261203T200000Z");
        _s3.Objects.Keys.Where(k => k.Key.StartsWith("backups/analytics-prod/2026120", StringComparison.Ordinal)).Select(k => k.Key[..40])
            .Distinct().Should().BeEquivalentTo(["backups/analytics-prod/20261204T200000Z/", "backups/analytics-prod/20261205T200000Z/"]);
        _s3.Deleted.Should().Contain("backups/analytics-prod/20261201T200000Z/secrets/connection.jsonl", "whole backups go, secrets included");
    }

    [Fact]
    public async Task A_pruning_failure_does_not_fail_a_verified_backup()
    {
        StoreBackup(MwaaSamples.BackupId);
        _s3.ListError = FakeBuckets.AccessDenied;

        JsonElement output = await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: true));

        output.GetProperty("pruned").GetArrayLength().Should().Be(0);
        _s3.Get(MwaaSamples.Bucket, "backups/analytics-prod/latest-verified.json").Should().NotBeNull();
        _log.Messages("WARN").Should().Contain(m => m!.Contains("not pruned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LoadLatest_without_a_verified_backup_is_NoVerifiedBackup() =>
        ErrorReport.From(await FailAsync("""{"action":"loadLatest"}""")).ErrorType.Should().Be("NoVerifiedBackup");

    [Fact]
    public async Task LoadLatest_returns_the_verified_backup_with_all_25_request_members()
    {
        StoreBackup(MwaaSamples.BackupId);
        await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: true));

        JsonElement output = await InvokeAsync("""{"action":"loadLatest"}""");

        output.GetProperty("backupId").GetString().Should().Be(MwaaSamples.BackupId);
        output.GetProperty("prefix").GetString().Should().Be(MwaaSamples.Prefix);
        output.GetProperty("metadata").GetBoolean().Should().BeTrue();
        output.GetProperty("runId").GetString().Should().Be("pcdk-i-" + MwaaSamples.BackupId);
        output.GetProperty("importConf").GetRawText().Should().Be($$"""{"bucket":"{{MwaaSamples.Bucket}}","prefix":"{{MwaaSamples.Prefix}}"}""");
        JsonElement request = output.GetProperty("request");
        request.EnumerateObject().Select(p => p.Name).Should().Equal(CreateEnvironmentRequest.Members);
        request.GetProperty("StartupScriptS3Path").ValueKind.Should().Be(JsonValueKind.Null);
        request.GetProperty("Tags").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["team", "cost-center"]);
    }

    [Fact]
    public async Task LoadLatest_whose_backup_lost_its_configuration_is_NoVerifiedBackup()
    {
        StoreBackup(MwaaSamples.BackupId);
        await InvokeAsync(Verify(MwaaSamples.Prefix, metadata: true));
        _s3.Objects.Remove((MwaaSamples.Bucket, MwaaSamples.Prefix + "environment.json"));

        (await FailAsync("""{"action":"loadLatest"}""")).Should().BeOfType<NoVerifiedBackup>().Which.Message.Should().Contain("environment.json");
    }

    [Fact]
    public async Task LoadLatest_refuses_a_pointer_to_another_environment()
    {
        _s3.Put(MwaaSamples.Bucket, "backups/analytics-prod/latest-verified.json", Encoding.UTF8.GetBytes(
            """{"backupId":"20261205T200000Z","prefix":"backups/other/20261205T200000Z/","metadata":true,"airflowVersion":"2.10.3","verifiedAt":"x"}"""));

        (await FailAsync("""{"action":"loadLatest"}""")).Should().BeOfType<NoVerifiedBackup>();
    }

    [Theory]
    [InlineData("""{"action":"delete"}""", "*action must be*")]
    [InlineData("""{}""", "*action is required*")]
    [InlineData("[]", "*not valid*")]
    public async Task Unknown_actions_are_bad_input(string payload, string message) =>
        (await FailAsync(payload)).Should().BeOfType<BadInput>().Which.Message.Should().Match(message);

    [Fact]
    public void Settings_list_every_problem()
    {
        CatalogSettings.FromEnvironment(MwaaDagRunsTests.Env(
            ("BACKUP_BUCKET", "b"), ("BACKUP_KEY_ARN", "arn:aws:kms:eu-west-1:1:key/k"), ("ENVIRONMENT_NAME", "env"), ("BACKUPS_TO_KEEP", "7"),
            ("EXPORT_CONNECTIONS", "true"), ("EXPORT_VARIABLES", "false")))
            .Should().Be(new CatalogSettings("b", "arn:aws:kms:eu-west-1:1:key/k", "env", 7, true, false));
        FluentActions.Invoking(() => CatalogSettings.FromEnvironment(MwaaDagRunsTests.Env(
                ("BACKUP_KEY_ARN", "alias/x"), ("ENVIRONMENT_NAME", "env"), ("BACKUPS_TO_KEEP", "101"), ("EXPORT_CONNECTIONS", "yes"))))
            .Should().Throw<InvalidOperationException>()
            .WithMessage("MwaaBackupCatalog is misconfigured: BACKUP_BUCKET is required*BACKUP_KEY_ARN must be a KMS key ARN*BACKUPS_TO_KEEP must be at most 100*EXPORT_CONNECTIONS must be true or false*EXPORT_VARIABLES is required*");
    }

    private Dictionary<string, byte[]> StoreBackup(string backupId, bool verified = false, Dictionary<string, byte[]>? files = null, JsonObject? manifest = null)
    {
        files ??= BackupFiles.Complete();
        manifest ??= BackupFiles.Manifest(files);
        string prefix = $"backups/{MwaaSamples.Environment}/{backupId}/";
        _s3.Put(MwaaSamples.Bucket, prefix + "environment.json", Saved(MwaaSamples.Description()));
        foreach ((string path, byte[] content) in files)
        {
            _s3.Put(MwaaSamples.Bucket, prefix + path, content);
        }

        _s3.Put(MwaaSamples.Bucket, prefix + "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        if (verified)
        {
            _s3.Put(MwaaSamples.Bucket, prefix + "verified.json", "{}"u8.ToArray());
        }

        return files;
    }

    private static byte[] Saved(JsonObject description) => CreateEnvironmentRequest.Build(MwaaSamples.Element(description), MwaaSamples.Environment);

    private void NoPointer()
    {
        _s3.Get(MwaaSamples.Bucket, "backups/analytics-prod/latest-verified.json").Should().BeNull("only a verified backup gets the pointer");
        _s3.Get(MwaaSamples.Bucket, MwaaSamples.Prefix + "verified.json").Should().BeNull();
    }

    private static string Save(string? backupId, JsonObject description) => new JsonObject
    {
        ["action"] = "saveConfiguration",
        ["backupId"] = backupId,
        ["environment"] = description,
    }.ToJsonString();

    private static string Verify(string prefix, bool metadata) => new JsonObject { ["action"] = "verify", ["prefix"] = prefix, ["metadata"] = metadata }.ToJsonString();

    private MwaaBackupCatalog Handler() => new(_s3.S3, Settings, _log.Log, new FixedClock(FixedClock.DefaultNow));

    private async Task<JsonElement> InvokeAsync(string payload)
    {
        Stream output = await Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private async Task<Exception> FailAsync(string payload)
    {
        Func<Task> call = () => Handler().HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return (await call.Should().ThrowAsync<Exception>()).Which;
    }
}
