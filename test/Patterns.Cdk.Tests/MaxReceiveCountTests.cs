using System.Text.Json.Nodes;
using Amazon.CDK;
using FluentAssertions;
using Patterns.Cdk.EventDrivenSettlement;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The SQS consumers park a message that fails on its last receive themselves, with the reason; for that their
/// <c>MAX_RECEIVE_COUNT</c> must be the redrive policy's <c>maxReceiveCount</c> of the queue they consume.
/// </summary>
public class MaxReceiveCountTests
{
    public static TheoryData<string, double?> Cases() => new()
    {
        { "settlement", null }, { "settlement", 7 },
        { "face-blur", null }, { "face-blur", 2 },
        { "recursion-safe SeparateBucket", null }, { "recursion-safe SeparateBucket", 9 },
        { "recursion-safe KeyFilter", 4 }, { "recursion-safe ObjectMetadata", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_consumers_MAX_RECEIVE_COUNT_is_its_queues_redrive_maxReceiveCount(string construct, double? maxReceiveCount)
    {
        var consumers = ConsumersOfRedrivenQueues(Synthesize(construct, maxReceiveCount, deadLetterQueue: true));

        consumers.Should().ContainSingle();
        var (function, environmentValue, redriveValue) = consumers.Single();
        environmentValue.Should().NotBeNull($"{function} consumes a queue with a redrive policy");
        environmentValue.Should().Be(redriveValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (maxReceiveCount is { } expected)
        {
            redriveValue.Should().Be(expected);
        }
    }

    [Theory]
    [InlineData("face-blur")]
    [InlineData("recursion-safe SeparateBucket")]
    public void Without_a_dead_letter_queue_there_is_no_MAX_RECEIVE_COUNT(string construct)
    {
        var stack = Synthesize(construct, 4, deadLetterQueue: false);

        ApiPollerTemplate.Resources(stack, "AWS::Lambda::Function")
            .Should().NotContain(f => f.Properties["Environment"] != null && f.Properties["Environment"]!["Variables"]!["MAX_RECEIVE_COUNT"] != null);
    }

    [Fact]
    public void The_ledger_strategy_reads_a_stream_and_gets_no_MAX_RECEIVE_COUNT()
    {
        var stack = Synthesize("recursion-safe ProcessedLedger", 4, deadLetterQueue: true);

        ApiPollerTemplate.Environment(stack, "ProcessorFunction").Should().NotContainKey("MAX_RECEIVE_COUNT");
        ApiPollerTemplate.Environment(stack, "ProcessorFunction").Should().ContainKey("DEAD_LETTER_QUEUE_URL");
    }

    [Fact]
    public void The_settlement_container_gets_the_queues_maxReceiveCount_too()
    {
        var (stack, _, _) = SettlementSynth.Settlement(s => new EventDrivenSettlementProps { ContainerImage = SettlementSynth.Image(s), MaxReceiveCount = 6 });

        var container = SettlementSynth.Single(stack, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]!.AsArray().Single()!;
        container["Environment"]!.AsArray().Single(e => (string?)e!["Name"] == "MAX_RECEIVE_COUNT")!["Value"]!.GetValue<string>().Should().Be("6");
        var redrive = ApiPollerTemplate.Resources(stack, "AWS::SQS::Queue").Select(q => q.Properties["RedrivePolicy"]).Where(r => r != null).ToList();
        redrive.Should().ContainSingle().Which!["maxReceiveCount"]!.GetValue<double>().Should().Be(6);
    }

    private static Stack Synthesize(string construct, double? maxReceiveCount, bool deadLetterQueue)
    {
        var stack = TestApp.NewStack();
        switch (construct.Split(' '))
        {
            case ["settlement"]:
                _ = new EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", new() { MaxReceiveCount = maxReceiveCount });
                break;
            case ["face-blur"]:
                _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new FaceBlurPipelineProps { MaxReceiveCount = maxReceiveCount, DeployDeadLetterQueue = deadLetterQueue });
                break;
            case ["recursion-safe", var strategy]:
                var minimal = Synth.Minimal(Enum.Parse<ProcessingStrategy>(strategy));
                _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new RecursionSafeS3ProcessorProps
                {
                    Strategy = minimal.Strategy, InputPrefix = minimal.InputPrefix, OutputPrefix = minimal.OutputPrefix,
                    MaxReceiveCount = maxReceiveCount, DeployDeadLetterQueue = deadLetterQueue,
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(construct), construct, null);
        }

        return stack;
    }

    /// <summary>For each event source mapping from a queue with a redrive policy: the function, its MAX_RECEIVE_COUNT, the queue's maxReceiveCount.</summary>
    private static List<(string Function, string? MaxReceiveCount, double RedriveMaxReceiveCount)> ConsumersOfRedrivenQueues(Stack stack)
    {
        var queues = ApiPollerTemplate.Resources(stack, "AWS::SQS::Queue")
            .Where(q => q.Properties["RedrivePolicy"] != null)
            .ToDictionary(q => q.Id, q => q.Properties["RedrivePolicy"]!["maxReceiveCount"]!.GetValue<double>());
        var functions = ApiPollerTemplate.Resources(stack, "AWS::Lambda::Function").ToDictionary(f => f.Id, f => f.Properties);
        var result = new List<(string, string?, double)>();
        foreach (var (_, mapping) in ApiPollerTemplate.Resources(stack, "AWS::Lambda::EventSourceMapping"))
        {
            if (mapping["EventSourceArn"]?["Fn::GetAtt"] is JsonArray getAtt && queues.TryGetValue((string)getAtt[0]!, out double redrive))
            {
                string function = (string)mapping["FunctionName"]!["Ref"]!;
                string? value = (string?)functions[function]["Environment"]?["Variables"]?["MAX_RECEIVE_COUNT"];
                result.Add((function, value, redrive));
            }
        }

        return result;
    }
}
