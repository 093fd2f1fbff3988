using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.SQS;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>How an invocation was triggered.</summary>
public enum InvocationSource
{
    /// <summary>Asynchronous invoke (S3 to Lambda).</summary>
    Async,

    /// <summary>SQS event source mapping.</summary>
    Sqs,

    /// <summary>DynamoDB stream event source mapping.</summary>
    Stream,
}

/// <summary>One call of a function's handler.</summary>
public sealed record Invocation(string FunctionId, InvocationSource Source, Cause Cause, int Records, bool Failed, string? Error);

/// <summary>More invocations than an upload can legitimately cause: the pattern is looping.</summary>
public sealed class LoopDetectedException(string message) : Exception(message);

/// <summary>
/// A small Lambda service for the simulated deployment, configured from the template: asynchronous invokes (retries
/// and on-failure destination of AWS::Lambda::EventInvokeConfig, retried at once instead of after minutes), and the
/// event source mappings (<see cref="SqsEventSourceMapping"/>, <see cref="StreamEventSourceMapping"/>), whose tables'
/// streams are captured after every invocation. <see cref="DriveAsync"/> runs everything until nothing is left to do.
/// </summary>
public sealed class LambdaServiceEmulator(IAmazonSQS sqs, RequestCounter counter)
{
    private const int DefaultAsyncRetries = 2;

    private readonly Dictionary<string, FunctionHost> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int MaxRetries, string? OnFailureUrl)> _asyncConfigs = new(StringComparer.Ordinal);
    private readonly List<SqsEventSourceMapping> _queueMappings = [];
    private readonly List<StreamEventSourceMapping> _streamMappings = [];
    private readonly Queue<(string FunctionId, string Payload, Cause Cause)> _asyncEvents = new();
    private readonly List<Invocation> _invocations = [];

    public IReadOnlyList<Invocation> Invocations => _invocations;

    /// <summary>The registered functions by logical id.</summary>
    public IReadOnlyDictionary<string, FunctionHost> Functions => _functions;

    /// <summary>Runs before each invocation of a function (logical id): lets a test change the world between event and processing.</summary>
    public Func<string, Task>? BeforeInvoke { get; set; }

    /// <summary>Stream records whose retries were exhausted (the on-failure record names only their sequence numbers).</summary>
    public IEnumerable<StreamRecord> ExhaustedStreamRecords => _streamMappings.SelectMany(m => m.Exhausted);

    /// <summary>Functions that event source mappings invoke (logical ids).</summary>
    public static IEnumerable<string> MappedFunctions(CfnTemplate template) =>
        template.OfType("AWS::Lambda::EventSourceMapping").Select(m => CfnTemplate.ReferencedId(m.Properties["FunctionName"])).Distinct();

    public void Register(FunctionHost function) => _functions[function.LogicalId] = function;

    /// <summary>Reads the invoke configurations and event source mappings of the registered functions from the template.</summary>
    public void Configure(CfnTemplate template, ProvisionedResources resources, IAmazonDynamoDB dynamoDb)
    {
        foreach ((_, JsonObject properties) in template.OfType("AWS::Lambda::EventInvokeConfig"))
        {
            _asyncConfigs[CfnTemplate.ReferencedId(properties["FunctionName"])] =
                (CfnTemplate.Number(properties["MaximumRetryAttempts"], DefaultAsyncRetries), OnFailureUrl(properties, resources));
        }

        foreach ((_, JsonObject properties) in template.OfType("AWS::Lambda::EventSourceMapping"))
        {
            string functionId = CfnTemplate.ReferencedId(properties["FunctionName"]);
            string sourceId = CfnTemplate.ReferencedId(properties["EventSourceArn"]);
            string sourceArn = resources.Resolve(properties["EventSourceArn"]);
            bool partial = properties["FunctionResponseTypes"]?.AsArray().Any(t => (string?)t == "ReportBatchItemFailures") == true;
            EventFilter filter = EventFilter.From(properties);
            switch (template.TypeOf(sourceId))
            {
                case "AWS::SQS::Queue":
                    _queueMappings.Add(new SqsEventSourceMapping(sqs, InvokeAsync, functionId, resources[sourceId].Ref, sourceArn,
                        CfnTemplate.Number(properties["BatchSize"], 10), partial, filter));
                    break;
                case "AWS::DynamoDB::Table":
                    JsonObject table = template.PropertiesOf(sourceId);
                    var stream = new DynamoStreamEmulator(dynamoDb, resources[sourceId].Name, sourceArn,
                        (string?)table["StreamSpecification"]?["StreamViewType"] ?? throw new InvalidOperationException($"{sourceId} has no stream."),
                        table["KeySchema"]!.AsArray().Select(k => (string)k!["AttributeName"]!).ToList());
                    _streamMappings.Add(new StreamEventSourceMapping(sqs, InvokeAsync, functionId, _functions[functionId].Name, stream,
                        CfnTemplate.Number(properties["BatchSize"], 100), CfnTemplate.Number(properties["MaximumRetryAttempts"], -1),
                        partial, filter, OnFailureUrl(properties, resources)));
                    break;
                default:
                    throw new NotSupportedException($"The simulation has no event source mapping for {template.TypeOf(sourceId)}.");
            }
        }
    }

    /// <summary>An asynchronous invoke (InvocationType Event): queued, run by <see cref="DriveAsync"/>.</summary>
    public void InvokeAsynchronously(string functionId, string payload, Cause cause)
    {
        if (!_functions.ContainsKey(functionId))
        {
            throw new InvalidOperationException($"No simulated function {functionId}.");
        }

        _asyncEvents.Enqueue((functionId, payload, cause));
    }

    public int InvocationsOf(string functionId, Cause? cause = null) =>
        _invocations.Count(i => i.FunctionId == functionId && (cause is null || i.Cause == cause));

    /// <summary>
    /// Delivers every pending event, message and stream record, and whatever they cause, until nothing is left.
    /// Fails with <see cref="LoopDetectedException"/> after more than <paramref name="maxInvocations"/> invocations, and
    /// with <see cref="TimeoutException"/> after <paramref name="timeout"/> (default 20 s), so a loop fails a test instead of hanging it.
    /// </summary>
    public async Task DriveAsync(int maxInvocations = 20, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(20);
        int start = _invocations.Count;
        while (true)
        {
            bool progressed = await RunNextAsyncEventAsync();
            foreach (StreamEventSourceMapping mapping in _streamMappings)
            {
                progressed |= await mapping.PollAsync();
            }

            foreach (SqsEventSourceMapping mapping in _queueMappings)
            {
                progressed |= await mapping.PollAsync();
            }

            int made = _invocations.Count - start;
            if (made > maxInvocations)
            {
                string summary = string.Join(", ", _invocations.Skip(start).GroupBy(i => i.FunctionId).Select(g => $"{g.Key} x{g.Count()}"));
                throw new LoopDetectedException($"Loop detected: {made} invocations (limit {maxInvocations}) and still going: {summary}.");
            }

            if (!progressed)
            {
                return;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"The simulation did not become quiescent within {limit.TotalSeconds:0} s ({made} invocations).");
            }
        }
    }

    /// <summary>Turns table changes since the last capture into stream records (done after every invocation; tests call it after writing to a table themselves).</summary>
    public async Task CaptureStreamsAsync(Cause cause)
    {
        foreach (StreamEventSourceMapping mapping in _streamMappings)
        {
            await mapping.Stream.CaptureAsync(cause);
        }
    }

    private async Task<bool> RunNextAsyncEventAsync()
    {
        if (!_asyncEvents.TryDequeue(out var next))
        {
            return false;
        }

        (int maxRetries, string? onFailureUrl) = _asyncConfigs.GetValueOrDefault(next.FunctionId, (DefaultAsyncRetries, null));
        Exception? error = null;
        int attempts = 0;
        while (attempts <= maxRetries)
        {
            attempts++;
            (_, error) = await InvokeAsync(next.FunctionId, InvocationSource.Async, next.Cause, 1, next.Payload);
            if (error is null)
            {
                return true;
            }
        }

        if (onFailureUrl is not null)
        {
            await sqs.SendMessageAsync(onFailureUrl, OnFailureRecords.ForAsyncInvoke(_functions[next.FunctionId].Name, next.Payload, attempts, error!));
        }

        return true;
    }

    private async Task<(string? Response, Exception? Error)> InvokeAsync(string functionId, InvocationSource source, Cause cause, int records, string payload)
    {
        FunctionHost function = _functions[functionId];
        if (BeforeInvoke is { } before)
        {
            await before(functionId);
        }

        string? response = null;
        Exception? error = null;
        using (counter.Enter(cause))
        {
            try
            {
                response = await function.InvokeAsync(payload);
            }
#pragma warning disable CA1031 // A function error is an outcome of the invocation, whatever its type.
            catch (Exception e)
#pragma warning restore CA1031
            {
                error = e;
            }
        }

        _invocations.Add(new Invocation(functionId, source, cause, records, error is not null, error?.Message));

        // What the invocation wrote to a table with a stream becomes stream records.
        await CaptureStreamsAsync(cause);
        return (response, error);
    }

    private static string? OnFailureUrl(JsonObject properties, ProvisionedResources resources) =>
        properties["DestinationConfig"]?["OnFailure"]?["Destination"] is { } destination
            ? resources.FindByArnOrUrl(resources.Resolve(destination))?.Attributes["QueueUrl"]
                ?? throw new NotSupportedException("The simulation delivers on-failure records to SQS queues only.")
            : null;
}
