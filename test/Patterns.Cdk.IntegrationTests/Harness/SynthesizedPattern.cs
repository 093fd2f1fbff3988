using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Constructs;
using Patterns.Cdk.RecursionSafeS3Processor;
using Processor = Patterns.Cdk.RecursionSafeS3Processor.RecursionSafeS3Processor;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The real construct synthesized for one strategy: its CloudFormation template, and the logical ids of the resources
/// the construct exposes (so tests can say "the processor" or "the dead-letter queue"; all wiring comes from the template).
/// </summary>
public sealed record SynthesizedPattern(
    ProcessingStrategy Strategy,
    JsonObject Template,
    string SourceBucketId,
    string OutputBucketId,
    string ProcessorId,
    string? GuardId,
    string? WorkQueueId,
    string? DeadLetterQueueId,
    string? LedgerTableId)
{
    /// <summary>The key prefix every synthesized pattern processes.</summary>
    public const string InputPrefix = "incoming/";

    /// <summary>The output prefix of KeyFilter.</summary>
    public const string KeyFilterOutputPrefix = "processed/";

    private static readonly ConcurrentDictionary<ProcessingStrategy, Lazy<SynthesizedPattern>> Cache = new();
    private static readonly object JsiiLock = new();

    /// <summary>The pattern for <paramref name="strategy"/>, synthesized once per test run.</summary>
    public static SynthesizedPattern For(ProcessingStrategy strategy) =>
        Cache.GetOrAdd(strategy, s => new Lazy<SynthesizedPattern>(() => Synthesize(s))).Value;

    private static SynthesizedPattern Synthesize(ProcessingStrategy strategy)
    {
        lock (JsiiLock)
        {
            var app = new App(new AppProps { AnalyticsReporting = false });
            var stack = new Stack(app, $"Integration{strategy}", new StackProps());
            var pattern = new Processor(stack, "Pattern", new RecursionSafeS3ProcessorProps
            {
                Strategy = strategy,
                InputPrefix = InputPrefix,
                OutputPrefix = strategy == ProcessingStrategy.KeyFilter ? KeyFilterOutputPrefix : null,
            });
            string json = Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON());
            return new SynthesizedPattern(
                strategy,
                JsonNode.Parse(json)!.AsObject(),
                LogicalId(stack, pattern.Bucket)!,
                LogicalId(stack, pattern.OutputBucket)!,
                LogicalId(stack, pattern.ProcessorFunction)!,
                LogicalId(stack, pattern.GuardFunction),
                LogicalId(stack, pattern.WorkQueue),
                LogicalId(stack, pattern.DeadLetterQueue),
                LogicalId(stack, pattern.LedgerTable));
        }
    }

    private static string? LogicalId(Stack stack, IConstruct? construct) =>
        construct?.Node.DefaultChild is CfnElement element ? stack.GetLogicalId(element) : null;
}
