using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Mwaa;

/// <summary>
/// MwaaBackupCatalog against the S3 emulator (fauxqs) with the real S3 SDK client: a backup written the way the export
/// DAG writes it (JSONL files, SSE-KMS arguments, manifest last) is verified or refused, the latest-verified pointer
/// appears only after a successful verification, loadLatest returns the saved request, and pruning keeps N backups.
/// fauxqs has no versioning: HeadObject's VersionId is not checked there (only that the object exists), so the
/// version semantics are covered by the unit tests.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class MwaaCatalogEmulatorTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const string Environment = "analytics-prod";
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public async Task A_backup_written_like_the_dag_writes_it_verifies_and_is_loaded_back()
    {
        Buckets buckets = await CreateBucketsAsync();
        MwaaBackupCatalog catalog = Catalog(buckets.Backup, keep: 7);

        JsonNode saved = await InvokeAsync(catalog, Save("20261205T200000Z", buckets.Dags));
        ((string?)saved["metadataExport"]).Should().Be("supported");
        string prefix = (string)saved["prefix"]!;
        (await ExistsAsync(buckets.Backup, "backups/analytics-prod/latest-verified.json")).Should().BeFalse("nothing is verified yet");

        await WriteExportAsync(buckets.Backup, prefix, Files());
        JsonNode verified = await InvokeAsync(catalog, Verify(prefix));

        ((int)verified["files"]!).Should().Be(Files().Count);
        ((long)verified["rows"]!).Should().Be(6);
        JsonNode pointer = JsonNode.Parse(await ReadAsync(buckets.Backup, "backups/analytics-prod/latest-verified.json"))!;
        ((string?)pointer["prefix"]).Should().Be(prefix);

        JsonNode loaded = await InvokeAsync(catalog, """{"action":"loadLatest"}""");
        ((string?)loaded["backupId"]).Should().Be("20261205T200000Z");
        ((string?)loaded["runId"]).Should().Be("pcdk-i-20261205T200000Z");
        JsonObject request = loaded["request"]!.AsObject();
        request.Count.Should().Be(25);
        ((string?)request["Name"]).Should().Be(Environment);
        request["Tags"]!.AsObject().Select(t => t.Key).Should().Equal("team");
        request["StartupScriptS3Path"].Should().BeNull();
    }

    [Theory]
    [InlineData("tampered", "metadata/dag_run.jsonl has SHA-256")]
    [InlineData("missing", "metadata/xcom.jsonl is missing")]
    [InlineData("count", "metadata/log.jsonl has 1 rows, the manifest says 4")]
    [InlineData("no-manifest", "manifest.json is missing")]
    [InlineData("plugins-gone", "PluginsS3ObjectVersion")]
    public async Task A_backup_that_does_not_match_its_manifest_fails_and_gets_no_pointer(string defect, string problem)
    {
        Buckets buckets = await CreateBucketsAsync();
        MwaaBackupCatalog catalog = Catalog(buckets.Backup, keep: 7);
        string prefix = (string)(await InvokeAsync(catalog, Save("20261205T200000Z", buckets.Dags)))["prefix"]!;
        Dictionary<string, byte[]> files = Files();
        JsonObject manifest = Manifest(files);
        switch (defect)
        {
            case "tampered":
                files["metadata/dag_run.jsonl"] = Jsonl("""{"dag_id":"daily","run_id":"manual__x","state":"success"}""", """{"dag_id":"daily","run_id":"r2","state":"failed"}""");
                break;
            case "missing":
                files.Remove("metadata/xcom.jsonl");
                break;
            case "count":
                manifest["files"]!.AsArray().First(f => (string?)f!["table"] == "log")!["rows"] = 4;
                break;
            case "plugins-gone":
                await emulators.S3.DeleteObjectAsync(buckets.Dags, "plugins.zip");
                break;
        }

        await WriteExportAsync(buckets.Backup, prefix, files, manifest, withManifest: defect != "no-manifest");

        Func<Task> verify = () => InvokeAsync(catalog, Verify(prefix));

        (await verify.Should().ThrowAsync<BackupVerificationFailed>()).Which.Message.Should().Contain(problem);
        (await ExistsAsync(buckets.Backup, "backups/analytics-prod/latest-verified.json")).Should().BeFalse();
        Func<Task> load = () => InvokeAsync(catalog, """{"action":"loadLatest"}""");
        await load.Should().ThrowAsync<NoVerifiedBackup>();
    }

    [Fact]
    public async Task Pruning_keeps_the_n_newest_verified_backups()
    {
        Buckets buckets = await CreateBucketsAsync();
        MwaaBackupCatalog catalog = Catalog(buckets.Backup, keep: 2);
        string[] ids = ["20261201T200000Z", "20261202T200000Z", "20261203T200000Z", "20261204T200000Z"];
        var pruned = new List<string>();
        foreach (string id in ids)
        {
            string prefix = (string)(await InvokeAsync(catalog, Save(id, buckets.Dags)))["prefix"]!;
            await WriteExportAsync(buckets.Backup, prefix, Files());
            pruned.AddRange(((JsonArray)(await InvokeAsync(catalog, Verify(prefix)))["pruned"]!).Select(p => (string)p!));
        }

        pruned.Should().Equal("20261201T200000Z", "20261202T200000Z");
        ListObjectsV2Response left = await emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = buckets.Backup, Prefix = "backups/analytics-prod/" });
        left.S3Objects.Select(o => o.Key.Split('/')[2]).Distinct().Should().BeEquivalentTo(["20261203T200000Z", "20261204T200000Z", "latest-verified.json"]);
    }

    [Fact]
    public async Task The_emulator_accepts_sse_kms_arguments_but_has_no_versioning()
    {
        // What the tests above can and cannot prove: recorded here so that an emulator upgrade that adds versioning shows up.
        Buckets buckets = await CreateBucketsAsync();
        PutObjectResponse put = await emulators.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = buckets.Backup, Key = "probe", ContentBody = "x",
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS, ServerSideEncryptionKeyManagementServiceKeyId = KeyArn,
        });
        put.HttpStatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        output.WriteLine($"PutObject SSE-KMS: answered {put.ServerSideEncryptionMethod?.Value ?? "no"} encryption header, version id '{put.VersionId}'");
        Exception? head = await Record(() => emulators.S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = buckets.Backup, Key = "probe", VersionId = "no-such-version" }));
        output.WriteLine($"HeadObject with an unknown VersionId: {(head is null ? "200 (version ignored)" : head.GetType().Name + " " + head.Message)}");
        put.VersionId.Should().BeNullOrEmpty("fauxqs has no versioning; if it gains it, check saved versions for real here");
        head.Should().BeNull("fauxqs answers HeadObject whatever the VersionId; if this fails, version checks can be exercised here");
    }

    private static async Task<Exception?> Record(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (AmazonS3Exception e)
        {
            return e;
        }
    }

    private async Task<Buckets> CreateBucketsAsync()
    {
        string suffix = Guid.NewGuid().ToString("N")[..10];
        var buckets = new Buckets("mwaa-backups-" + suffix, "mwaa-dags-" + suffix);
        await emulators.S3.PutBucketAsync(buckets.Backup);
        await emulators.S3.PutBucketAsync(buckets.Dags);
        await emulators.S3.PutObjectAsync(new PutObjectRequest { BucketName = buckets.Dags, Key = "plugins.zip", ContentBody = "zip" });
        return buckets;
    }

    private MwaaBackupCatalog Catalog(string bucket, int keep) =>
        new(emulators.CreateS3(), new CatalogSettings(bucket, KeyArn, Environment, keep, ExportConnections: true, ExportVariables: true),
            new JsonLog(Stream.Null, _ => null, TimeProvider.System));

    /// <summary>Writes the export as the DAG does: each file SSE-KMS with the conf's key, the manifest last.</summary>
    private async Task WriteExportAsync(string bucket, string prefix, Dictionary<string, byte[]> files, JsonObject? manifest = null, bool withManifest = true)
    {
        manifest ??= Manifest(files);
        foreach ((string path, byte[] content) in files)
        {
            await PutAsync(bucket, prefix + path, content);
        }

        if (withManifest)
        {
            await PutAsync(bucket, prefix + "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }
    }

    private Task<PutObjectResponse> PutAsync(string bucket, string key, byte[] content) => emulators.S3.PutObjectAsync(new PutObjectRequest
    {
        BucketName = bucket, Key = key, InputStream = new MemoryStream(content),
        ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS, ServerSideEncryptionKeyManagementServiceKeyId = KeyArn,
    });

    private async Task<bool> ExistsAsync(string bucket, string key) =>
        (await emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key })).S3Objects?.Count > 0;

    private async Task<byte[]> ReadAsync(string bucket, string key)
    {
        using GetObjectResponse response = await emulators.S3.GetObjectAsync(bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<JsonNode> InvokeAsync(MwaaBackupCatalog catalog, string payload)
    {
        Stream result = await catalog.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        return JsonNode.Parse(result)!;
    }

    private static string Save(string backupId, string dagBucket) => new JsonObject
    {
        ["action"] = "saveConfiguration",
        ["backupId"] = backupId,
        ["environment"] = new JsonObject
        {
            ["Name"] = Environment, ["Arn"] = "arn:aws:airflow:us-east-1:111122223333:environment/analytics-prod", ["Status"] = "AVAILABLE",
            ["AirflowVersion"] = "2.10.3", ["ExecutionRoleArn"] = "arn:aws:iam::111122223333:role/mwaa-exec",
            ["SourceBucketArn"] = "arn:aws:s3:::" + dagBucket, ["DagS3Path"] = "dags",
            ["PluginsS3Path"] = "plugins.zip", ["PluginsS3ObjectVersion"] = "v1",
            ["NetworkConfiguration"] = new JsonObject { ["SubnetIds"] = new JsonArray("subnet-1", "subnet-2"), ["SecurityGroupIds"] = new JsonArray("sg-1") },
            ["Tags"] = new JsonObject { ["team"] = "data", ["aws:cloudformation:stack-name"] = "s" },
            ["WebserverUrl"] = "x.airflow.amazonaws.com",
        },
    }.ToJsonString();

    private static string Verify(string prefix) => new JsonObject { ["action"] = "verify", ["prefix"] = prefix, ["metadata"] = true }.ToJsonString();

    private static Dictionary<string, byte[]> Files() => new(StringComparer.Ordinal)
    {
        ["metadata/slot_pool.jsonl"] = Jsonl("""{"pool":"etl","slots":4}"""),
        ["metadata/dag_run.jsonl"] = Jsonl("""{"dag_id":"daily","run_id":"r1","state":"success"}""", """{"dag_id":"daily","run_id":"r2","state":"failed"}"""),
        ["metadata/task_instance.jsonl"] = [],
        ["metadata/task_fail.jsonl"] = [],
        ["metadata/log.jsonl"] = Jsonl("""{"event":"trigger","dag_id":"daily"}"""),
        ["metadata/xcom.jsonl"] = [],
        ["metadata/dag_state.jsonl"] = Jsonl("""{"dag_id":"daily","is_paused":false}"""),
        ["secrets/connection.jsonl"] = Jsonl("""{"conn_id":"warehouse","password":"pa55word","is_encrypted":false}"""),
        ["secrets/variable.jsonl"] = [],
    };

    private static byte[] Jsonl(params string[] lines) => Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));

    private static JsonObject Manifest(Dictionary<string, byte[]> files) => new()
    {
        ["format"] = "patterns-cdk-mwaa-backup/1",
        ["airflowVersion"] = "2.10.3",
        ["createdAt"] = "2026-12-05T20:00:00Z",
        ["dagCount"] = 1,
        ["files"] = new JsonArray([.. files.Select(f => (JsonNode)new JsonObject
        {
            ["path"] = f.Key,
            ["table"] = f.Key[(f.Key.IndexOf('/', StringComparison.Ordinal) + 1)..^".jsonl".Length],
            ["rows"] = f.Value.Count(b => b == (byte)'\n'),
            ["bytes"] = f.Value.Length,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(f.Value)),
            ["columns"] = new JsonArray(),
            ["secret"] = f.Key.StartsWith("secrets/", StringComparison.Ordinal),
        })]),
    };

    private sealed record Buckets(string Backup, string Dags);
}
