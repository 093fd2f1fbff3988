using Amazon.CDK;
using Amazon.CDK.Assertions;
using Patterns.Cdk.RecursionSafeS3Processor;

namespace Patterns.Cdk.Tests;

/// <summary>Shorthands for synthesizing one RecursionSafeS3Processor.</summary>
internal static class Synth
{
    public static (Stack Stack, RecursionSafeS3Processor.RecursionSafeS3Processor Construct, Template Template) Processor(
        RecursionSafeS3ProcessorProps? props = null, Action<Stack>? before = null)
    {
        var stack = TestApp.NewStack();
        before?.Invoke(stack);
        var construct = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", props);
        return (stack, construct, TestApp.Template(stack));
    }

    public static Template Of(ProcessingStrategy strategy) => Processor(Minimal(strategy)).Template;

    /// <summary>The least a user must say to get each strategy.</summary>
    public static RecursionSafeS3ProcessorProps Minimal(ProcessingStrategy strategy) => strategy switch
    {
        ProcessingStrategy.KeyFilter => new() { Strategy = strategy, InputPrefix = "incoming/", OutputPrefix = "processed/" },
        _ => new() { Strategy = strategy },
    };

    public static Dictionary<string, object> Props(params (string Key, object Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}
