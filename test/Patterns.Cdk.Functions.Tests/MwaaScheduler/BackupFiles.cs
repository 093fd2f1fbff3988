using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>A backup's files as the export DAG writes them (JSONL, one object a line) and their manifest.</summary>
internal static class BackupFiles
{
    /// <summary>Every required table with a few rows; connection and variable under secrets/.</summary>
    public static Dictionary<string, byte[]> Complete() => new(StringComparer.Ordinal)
    {
        ["metadata/slot_pool.jsonl"] = Jsonl("""{"pool":"etl","slots":4,"description":null,"include_deferred":false}"""),
        ["metadata/dag_run.jsonl"] = Jsonl("""{"dag_id":"daily","run_id":"scheduled__2026-12-04","state":"success","conf":{"$hex":"80057d942e"}}""", """{"dag_id":"daily","run_id":"scheduled__2026-12-03","state":"failed","conf":null}"""),
        ["metadata/task_instance.jsonl"] = Jsonl("""{"dag_id":"daily","task_id":"load","run_id":"scheduled__2026-12-04","state":"success"}"""),
        ["metadata/task_fail.jsonl"] = [],
        ["metadata/log.jsonl"] = Jsonl("""{"event":"trigger","dag_id":"daily","dttm":"2026-12-04T00:00:00Z"}"""),
        ["metadata/xcom.jsonl"] = [],
        ["metadata/dag_state.jsonl"] = Jsonl("""{"dag_id":"daily","is_paused":false}""", """{"dag_id":"weekly","is_paused":true}"""),
        ["secrets/connection.jsonl"] = Jsonl("""{"conn_id":"warehouse","conn_type":"postgres","password":"pa55word","is_encrypted":false}"""),
        ["secrets/variable.jsonl"] = Jsonl("""{"key":"api_token","val":"t0ken","is_encrypted":false}"""),
    };

    public static byte[] Jsonl(params string[] lines) => Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));

    /// <summary>The manifest of <paramref name="files"/> as they are (rows = lines).</summary>
    public static JsonObject Manifest(IReadOnlyDictionary<string, byte[]> files, string airflowVersion = "2.10.3") => new()
    {
        ["format"] = "patterns-cdk-mwaa-backup/1",
        ["airflowVersion"] = airflowVersion,
        ["createdAt"] = "2026-12-05T20:00:00Z",
        ["dagCount"] = Lines(files.GetValueOrDefault("metadata/dag_state.jsonl") ?? []),
        ["files"] = new JsonArray([.. files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
        {
            ["path"] = f.Key,
            ["table"] = f.Key[(f.Key.IndexOf('/', StringComparison.Ordinal) + 1)..^".jsonl".Length],
            ["rows"] = Lines(f.Value),
            ["bytes"] = f.Value.Length,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(f.Value)),
            ["columns"] = new JsonArray("a", "b"),
            ["secret"] = f.Key.StartsWith("secrets/", StringComparison.Ordinal),
        })]),
    };

    private static int Lines(byte[] content) => content.Count(b => b == (byte)'\n');
}
