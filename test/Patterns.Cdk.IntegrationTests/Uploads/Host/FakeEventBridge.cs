using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>
/// EventBridge's PutEvents (JSON 1.1, <c>X-Amz-Target: AWSEvents.PutEvents</c>) on 127.0.0.1: every entry is kept, and
/// the answer has an EventId per entry and FailedEntryCount 0 (or a failed entry while <see cref="FailNext"/> is set).
/// None of the emulators serves EventBridge.
/// </summary>
public sealed class FakeEventBridge : LoopbackServer
{
    private const string EntriesMember = "Entries";

    private readonly ConcurrentQueue<JsonObject> _entries = new();

    /// <summary>Every PutEvents entry received (Source, DetailType, Detail, EventBusName), in arrival order.</summary>
    public IReadOnlyList<JsonObject> Entries => [.. _entries];

    /// <summary>Answers the next entries with an <c>InternalFailure</c> entry error while positive.</summary>
    public int FailNext { get; set; }

    public IReadOnlyList<JsonObject> Of(string detailType) =>
        Entries.Where(e => (string?)e["DetailType"] == detailType).ToList();

    protected override async Task ServeAsync(HttpListenerContext context)
    {
        byte[] body = await ReadBodyAsync(context.Request);
        string? target = context.Request.Headers["X-Amz-Target"];
        if (target != "AWSEvents.PutEvents" || JsonNode.Parse(body)?[EntriesMember] is not JsonArray entries)
        {
            await WriteAsync(context.Response, 400, "application/x-amz-json-1.1",
                Encoding.UTF8.GetBytes("""{"__type":"UnknownOperationException","message":"only PutEvents is served"}"""));
            return;
        }

        var results = new JsonArray();
        int failed = 0;
        foreach (JsonNode? entry in entries)
        {
            if (FailNext > 0)
            {
                FailNext--;
                failed++;
                results.Add(new JsonObject { ["ErrorCode"] = "InternalFailure", ["ErrorMessage"] = "injected failure" });
                continue;
            }

            _entries.Enqueue((JsonObject)entry!.DeepClone());
            results.Add(new JsonObject { ["EventId"] = Guid.NewGuid().ToString() });
        }

        var answer = new JsonObject { ["FailedEntryCount"] = failed, [EntriesMember] = results };
        await WriteAsync(context.Response, 200, "application/x-amz-json-1.1", Encoding.UTF8.GetBytes(answer.ToJsonString()));
    }
}
