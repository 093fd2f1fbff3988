using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>The records Lambda sends to an on-failure destination.</summary>
internal static class OnFailureRecords
{
    /// <summary>An asynchronous invocation whose retries are exhausted: the request payload and the last error.</summary>
    public static string ForAsyncInvoke(string functionName, string payload, int attempts, Exception error) =>
        new JsonObject
        {
            ["version"] = "1.0",
            ["timestamp"] = Timestamp(),
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = FunctionArn(functionName) + ":$LATEST",
                ["condition"] = "RetriesExhausted",
                ["approximateInvokeCount"] = attempts,
            },
            ["requestPayload"] = ParseOrString(payload),
            ["responseContext"] = new JsonObject { ["statusCode"] = 200, ["executedVersion"] = "$LATEST", ["functionError"] = "Unhandled" },
            ["responsePayload"] = new JsonObject { ["errorMessage"] = error.Message, ["errorType"] = error.GetType().Name },
        }.ToJsonString();

    /// <summary>A stream record whose retries are exhausted: where it is in the stream, not the record itself.</summary>
    public static string ForStream(string functionName, string streamArn, string sequenceNumber, int attempts, Exception? error) =>
        new JsonObject
        {
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = FunctionArn(functionName),
                ["condition"] = "RetryAttemptsExhausted",
                ["approximateInvokeCount"] = attempts,
            },
            ["responseContext"] = new JsonObject
            {
                ["statusCode"] = 200,
                ["executedVersion"] = "$LATEST",
                ["functionError"] = error is null ? "PartialBatchFailure" : "Unhandled",
            },
            ["version"] = "1.0",
            ["timestamp"] = Timestamp(),
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = "shardId-00000000000000000000-00000001",
                ["startSequenceNumber"] = sequenceNumber,
                ["endSequenceNumber"] = sequenceNumber,
                ["batchSize"] = 1,
                ["streamArn"] = streamArn,
            },
        }.ToJsonString();

    private static string FunctionArn(string functionName) =>
        $"arn:aws:lambda:{EmulatorFixture.Region}:{ProvisionedResources.Account}:function:{functionName}";

    private static JsonNode ParseOrString(string payload)
    {
        try
        {
            return JsonNode.Parse(payload) ?? JsonValue.Create(payload)!;
        }
        catch (JsonException)
        {
            return JsonValue.Create(payload)!;
        }
    }

    private static string Timestamp() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
