using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.MwaaScheduler.Catalog;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>The manifest's own rules and the comparison of each stored file with it.</summary>
public sealed class ManifestCheckTests
{
    private static readonly IReadOnlyList<string> AllRequired = ManifestCheck.Required(exportConnections: true, exportVariables: true);

    [Fact]
    public void A_complete_manifest_has_no_problems() =>
        ManifestCheck.Check(Parse(BackupFiles.Manifest(BackupFiles.Complete())), "2.10.3", AllRequired).Should().BeEmpty();

    [Fact]
    public void Required_tables_follow_the_export_settings()
    {
        ManifestCheck.Required(false, false).Should().BeEquivalentTo(["slot_pool", "dag_run", "task_instance", "task_fail", "log", "xcom", "dag_state"]);
        ManifestCheck.Required(true, false).Should().Contain("connection").And.NotContain("variable");
        ManifestCheck.Required(false, true).Should().Contain("variable").And.NotContain("connection");
    }

    [Theory]
    [InlineData("metadata/xcom.jsonl", "required table xcom is missing")]
    [InlineData("metadata/task_fail.jsonl", "required table task_fail is missing")]
    [InlineData("secrets/connection.jsonl", "required table connection is missing")]
    [InlineData("secrets/variable.jsonl", "required table variable is missing")]
    public void A_missing_required_table_is_a_problem(string path, string problem)
    {
        Dictionary<string, byte[]> files = BackupFiles.Complete();
        files.Remove(path);

        ManifestCheck.Check(Parse(BackupFiles.Manifest(files)), "2.10.3", AllRequired).Should().Contain(problem);
    }

    [Fact]
    public void Secrets_not_exported_are_not_required()
    {
        Dictionary<string, byte[]> files = BackupFiles.Complete();
        files.Remove("secrets/connection.jsonl");
        files.Remove("secrets/variable.jsonl");

        ManifestCheck.Check(Parse(BackupFiles.Manifest(files)), "2.10.3", ManifestCheck.Required(false, false)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("metadata/dag_state.jsonl", "table dag_state has no rows*")]
    [InlineData("metadata/slot_pool.jsonl", "table slot_pool has no rows*")]
    public void Dag_state_and_slot_pool_must_not_be_empty(string path, string problem)
    {
        Dictionary<string, byte[]> files = BackupFiles.Complete();
        files[path] = [];

        ManifestCheck.Check(Parse(BackupFiles.Manifest(files)), "2.10.3", AllRequired).Should().ContainMatch(problem);
    }

    [Fact]
    public void The_airflow_version_must_match_the_saved_environments() =>
        ManifestCheck.Check(Parse(BackupFiles.Manifest(BackupFiles.Complete(), "2.9.2")), "2.10.3", AllRequired)
            .Should().Contain("manifest airflowVersion 2.9.2 differs from the saved environment's 2.10.3");

    [Fact]
    public void Format_dag_count_and_duplicates_are_checked()
    {
        JsonObject manifest = BackupFiles.Manifest(BackupFiles.Complete());
        manifest["format"] = "patterns-cdk-mwaa-backup/2";
        manifest["dagCount"] = 5;
        manifest["files"]!.AsArray().Add(manifest["files"]![0]!.DeepClone());

        List<string> problems = ManifestCheck.Check(Parse(manifest), "2.10.3", AllRequired);

        problems.Should().Contain("manifest format is 'patterns-cdk-mwaa-backup/2', expected 'patterns-cdk-mwaa-backup/1'")
            .And.Contain("manifest dagCount 5 differs from dag_state's 2 rows")
            .And.ContainMatch("*is listed twice*");
    }

    [Theory]
    [InlineData("../other-env/metadata/log.jsonl")]
    [InlineData("/metadata/log.jsonl")]
    [InlineData("metadata/log.csv")]
    [InlineData("metadata/sub/log.jsonl")]
    [InlineData("manifest.json")]
    public void Paths_outside_metadata_and_secrets_are_problems(string path)
    {
        JsonObject manifest = BackupFiles.Manifest(BackupFiles.Complete());
        manifest["files"]![0]!["path"] = path;

        ManifestCheck.Check(Parse(manifest), "2.10.3", AllRequired).Should().ContainMatch($"*'{path}' is not metadata/<table>.jsonl or secrets/<table>.jsonl*");
        ManifestCheck.IsFilePath(path).Should().BeFalse();
    }

    [Fact]
    public void Secret_tables_must_be_under_secrets_and_flagged()
    {
        JsonObject manifest = BackupFiles.Manifest(BackupFiles.Complete());
        JsonNode connection = manifest["files"]!.AsArray().First(f => (string?)f!["table"] == "connection")!;
        connection["path"] = "metadata/connection.jsonl";
        connection["secret"] = false;

        ManifestCheck.Check(Parse(manifest), "2.10.3", AllRequired).Should().ContainMatch("*secret-bearing tables (connection, variable) must be under secrets/*");
    }

    [Fact]
    public void Missing_counts_and_digests_are_problems()
    {
        JsonObject manifest = BackupFiles.Manifest(BackupFiles.Complete());
        JsonObject first = manifest["files"]![0]!.AsObject();
        first.Remove("rows");
        first.Remove("bytes");
        first["sha256"] = "ABC";

        List<string> problems = ManifestCheck.Check(Parse(manifest), "2.10.3", AllRequired);

        problems.Should().ContainMatch("*has no row count").And.ContainMatch("*has no byte count").And.ContainMatch("*has no lower-case hex SHA-256");
    }

    [Fact]
    public void No_files_list_is_a_problem() =>
        ManifestCheck.Check(new BackupManifest { Format = ManifestCheck.Format, AirflowVersion = "2.10.3" }, "2.10.3", AllRequired)
            .Should().Contain("manifest has no files list").And.Contain("required table dag_run is missing");

    [Fact]
    public void A_file_matching_its_entry_has_no_problems()
    {
        byte[] content = BackupFiles.Jsonl("""{"a":1}""", """{"a":2}""");
        ManifestFile entry = Entry("metadata/log.jsonl", content, rows: 2);

        ManifestCheck.Compare(entry, Measure(content)).Should().BeEmpty();
    }

    [Fact]
    public void A_tampered_file_differs_in_digest_and_says_which_file()
    {
        byte[] content = BackupFiles.Jsonl("""{"a":1}""");
        ManifestFile entry = Entry("metadata/log.jsonl", content, rows: 1);
        byte[] tampered = BackupFiles.Jsonl("""{"a":2}""");

        ManifestCheck.Compare(entry, Measure(tampered)).Should().ContainSingle().Which.Should().StartWith("metadata/log.jsonl has SHA-256 ");
    }

    [Fact]
    public void A_truncated_file_differs_in_size_rows_and_digest()
    {
        byte[] content = BackupFiles.Jsonl("""{"a":1}""", """{"a":2}""");
        ManifestFile entry = Entry("metadata/log.jsonl", content, rows: 2);

        ManifestCheck.Compare(entry, Measure(BackupFiles.Jsonl("""{"a":1}"""))).Should().HaveCount(3)
            .And.Contain("metadata/log.jsonl has 1 rows, the manifest says 2");
    }

    [Fact]
    public void A_missing_file_is_a_problem() =>
        ManifestCheck.Compare(Entry("metadata/xcom.jsonl", [], 0), null).Should().Equal("metadata/xcom.jsonl is missing");

    [Theory]
    [InlineData("", 0)]
    [InlineData("{}\n", 1)]
    [InlineData("{}\n{}", 2)]
    [InlineData("{}\r\n{}\r\n", 2)]
    [InlineData("{}\n\n  \n{}\n", 2)]
    public async Task Rows_are_the_non_blank_lines(string text, long rows)
    {
        byte[] content = Encoding.UTF8.GetBytes(text);

        FileMeasurement measured = await FileMeasurement.MeasureAsync(new MemoryStream(content));

        measured.Rows.Should().Be(rows);
        measured.Bytes.Should().Be(content.Length);
        measured.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    [Fact]
    public async Task A_file_larger_than_the_buffer_is_measured_in_one_streamed_pass()
    {
        byte[] content = BackupFiles.Jsonl([.. Enumerable.Range(0, 20_000).Select(i => $$"""{"row":{{i}},"padding":"{{new string('x', 20)}}"}""")]);

        FileMeasurement measured = await FileMeasurement.MeasureAsync(new MemoryStream(content));

        measured.Should().Be(new FileMeasurement(content.Length, Convert.ToHexStringLower(SHA256.HashData(content)), 20_000));
    }

    private static FileMeasurement Measure(byte[] content) => new(content.Length, Convert.ToHexStringLower(SHA256.HashData(content)), content.Count(b => b == (byte)'\n'));

    private static ManifestFile Entry(string path, byte[] content, long rows) => new()
    {
        Path = path, Table = "log", Rows = rows, Bytes = content.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), Secret = false,
    };

    private static BackupManifest Parse(JsonObject manifest) =>
        JsonSerializer.Deserialize(manifest.ToJsonString(), MwaaJsonContext.Default.BackupManifest)!;
}
