using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using FluentAssertions;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>Overriding a secure default is allowed, but says so with a stable warning id.</summary>
public class RecursionSafeS3ProcessorWarningTests
{
    [Theory]
    [InlineData("bucketTls")]
    [InlineData("bucketVersioning")]
    [InlineData("bucketPublicAccess")]
    public void Weakened_bucket_defaults_warn(string topic)
    {
        var props = topic switch
        {
            "bucketTls" => new BucketProps { EnforceSSL = false },
            "bucketVersioning" => new BucketProps { Versioned = false },
            _ => new BucketProps { BlockPublicAccess = BlockPublicAccess.BLOCK_ACLS },
        };
        var (stack, _, _) = Processor(new() { BucketProps = props });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().Contain(w => w.Contains($"patterns-cdk:RecursionSafeS3Processor.{topic}"));
    }

    [Fact]
    public void A_short_visibility_timeout_warns()
    {
        var (stack, _, _) = Processor(new() { WorkQueueProps = new QueueProps { VisibilityTimeout = Duration.Seconds(31) } });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().Contain(w => w.Contains("patterns-cdk:RecursionSafeS3Processor.queueVisibility"));
    }

    [Fact]
    public void Allowing_recursive_loops_warns()
    {
        var (stack, _, _) = Processor(new()
        {
            ProcessorFunctionProps = new FunctionProps { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, RecursiveLoop = RecursiveLoop.ALLOW },
        });
        RecursionSafeS3ProcessorSwitchTests.Warnings(stack).Should().Contain(w => w.Contains("patterns-cdk:RecursionSafeS3Processor.recursiveLoop"));
    }

    [Fact]
    public void Secure_defaults_raise_no_warning() =>
        RecursionSafeS3ProcessorSwitchTests.Warnings(Processor().Stack).Should().NotContain(w => w.Contains("patterns-cdk:"));
}

/// <summary>Bring-your-own resources (imported with From...) are used, not re-created.</summary>
public class RecursionSafeS3ProcessorImportTests
{
    [Fact]
    public void Imported_buckets_and_function_are_wired_not_created()
    {
        var stack = TestApp.NewStack();
        var input = Bucket.FromBucketName(stack, "In", "team-uploads");
        var output = Bucket.FromBucketName(stack, "Out", "team-results");
        var role = Role.FromRoleArn(stack, "R", "arn:aws:iam::123456789012:role/processor", new FromRoleArnOptions { Mutable = true });
        var fn = Function.FromFunctionAttributes(stack, "F", new FunctionAttributes
        {
            FunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:processor",
            Role = role,
            SameEnvironment = true,
        });
        var c = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new()
        {
            ExistingBucket = input,
            ExistingOutputBucket = output,
            ExistingProcessorFunction = fn,
        });
        var t = TestApp.Template(stack);
        t.ResourceCountIs("AWS::S3::Bucket", 0);
        t.FindResources("AWS::Lambda::Function", Props(("Properties", Props(("Runtime", "provided.al2023"))))).Should().BeEmpty();
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(("FunctionName", "processor")));
        t.HasResourceProperties("Custom::S3BucketNotifications", Props(("BucketName", "team-uploads")));
        c.ProcessorFunction.Should().BeSameAs(fn);
        c.Bucket.Should().BeSameAs(input);
        t.ResourceCountIs("AWS::CloudWatch::Alarm", 4); // no concurrency alarm: we do not own its reservation
        var statements = PolicyStatements.Of(stack, "processor").SelectMany(s => s.Resources).ToList();
        statements.Should().Contain(r => r.Contains("team-results/*")).And.Contain(r => r.Contains("team-uploads/*"));
    }

    [Fact]
    public void Imported_ledger_table_with_a_stream_is_used()
    {
        var stack = TestApp.NewStack();
        var table = Table.FromTableAttributes(stack, "L", new TableAttributes
        {
            TableName = "ledger",
            TableStreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/stream/2024-01-01T00:00:00.000",
        });
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { Strategy = ProcessingStrategy.ProcessedLedger, ExistingLedgerTable = table });
        var t = TestApp.Template(stack);
        t.ResourceCountIs("AWS::DynamoDB::Table", 0);
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(("EventSourceArn", "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/stream/2024-01-01T00:00:00.000")));
    }
}
