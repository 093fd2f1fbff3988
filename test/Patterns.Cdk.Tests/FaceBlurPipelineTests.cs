using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.S3;
using FluentAssertions;
using Patterns.Cdk.FaceBlurPipeline;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>FaceBlurPipeline: defaults, throughput math, least privilege, validation, snapshots and nag templates.</summary>
public class FaceBlurPipelineTests
{
    private static (Stack Stack, FaceBlurPipeline.FaceBlurPipeline Pipeline, Template Template) Pipeline(FaceBlurPipelineProps? props = null)
    {
        var stack = TestApp.NewStack();
        var pipeline = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", props);
        return (stack, pipeline, TestApp.Template(stack));
    }

    [Fact]
    public void Defaults_two_secure_buckets_a_queue_with_dlq_and_a_bundled_arm64_worker()
    {
        var (_, p, t) = Pipeline();
        t.ResourceCountIs("AWS::S3::Bucket", 2);
        p.DestinationBucket.Should().NotBeSameAs(p.SourceBucket);
        t.AllResourcesProperties("AWS::S3::Bucket", Props(("VersioningConfiguration", Props(("Status", "Enabled")))));
        t.HasResourceProperties("AWS::Lambda::Function", Props(
            ("Handler", "FaceBlurWorker"),
            ("Runtime", "provided.al2023"),
            ("Architectures", new[] { "arm64" }),
            ("MemorySize", 2048),
            ("Timeout", 60),
            ("RecursiveLoop", "Terminate"),
            ("Environment", Props(("Variables", Match.ObjectLike(Props(("MAX_PIXELS", "40000000"), ("MAX_IMAGE_BYTES", "15728640"), ("MIN_FACE_CONFIDENCE", "50"))))))));
        t.HasResourceProperties("AWS::SQS::Queue", Props(("VisibilityTimeout", 360), ("RedrivePolicy", Props(("maxReceiveCount", 3), ("deadLetterTargetArn", Match.AnyValue())))));
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(
            ("BatchSize", 1), ("FunctionResponseTypes", new[] { "ReportBatchItemFailures" }), ("ScalingConfig", Props(("MaximumConcurrency", 2)))));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(5, 2)]
    [InlineData(6, 3)]
    [InlineData(50, 25)]
    [InlineData(100, 50)]
    public void Detection_rate_becomes_the_workers_maximum_concurrency(double rps, double concurrency)
    {
        FaceBlurPipeline.FaceBlurPipeline.MaxConcurrencyFor(rps).Should().Be(concurrency);
        Pipeline(new() { DetectionRequestsPerSecond = rps }).Template
            .HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(("ScalingConfig", Props(("MaximumConcurrency", concurrency)))));
    }

    [Fact]
    public void Worker_may_read_the_source_write_the_destination_and_call_only_DetectFaces()
    {
        var (stack, _, _) = Pipeline(new() { InputPrefix = "uploads/", DestinationPrefix = "blurred/" });
        var statements = PolicyStatements.Of(stack, "BlurWorkerFunctionRole");
        statements.Single(s => s.Actions.Contains("s3:GetObject")).Resources.Single().Should().Contain("BlurSourceBucket").And.EndWith("/uploads/*");
        statements.Single(s => s.Actions.Contains("s3:PutObject")).Resources.Single().Should().Contain("BlurDestinationBucket").And.EndWith("/blurred/*");
        statements.SelectMany(s => s.Actions).Where(a => a.StartsWith("rekognition:", StringComparison.Ordinal)).Should().Equal("rekognition:DetectFaces");
        statements.SelectMany(s => s.Actions).Should().NotContain(a => a.EndsWith('*'));
    }

    [Fact]
    public void Uploads_notify_the_work_queue_only_under_the_input_prefix()
    {
        var prefixRule = Props(("Name", "prefix"), ("Value", "uploads/"));
        var filter = Props(("Key", Props(("FilterRules", new object[] { prefixRule }))));
        var queueConfiguration = Match.ObjectLike(Props(("Events", new[] { "s3:ObjectCreated:*" }), ("Filter", filter)));
        Pipeline(new() { InputPrefix = "uploads/" }).Template.HasResourceProperties("Custom::S3BucketNotifications",
            Props(("NotificationConfiguration", Props(("QueueConfigurations", new object[] { queueConfiguration })))));
    }

    [Fact]
    public void Only_the_source_bucket_of_this_account_may_send_to_the_work_queue()
    {
        var json = TestApp.Json(Pipeline().Stack);
        var policy = System.Text.Json.Nodes.JsonNode.Parse(json)!["Resources"]!.AsObject()
            .Single(r => (string?)r.Value!["Type"] == "AWS::SQS::QueuePolicy" && r.Key.Contains("WorkQueue", StringComparison.Ordinal)).Value!;
        var statements = policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.ToJsonString()).ToList();
        statements.Should().Contain(s => s.Contains("\"Allow\"") && s.Contains("s3.amazonaws.com") && s.Contains("aws:SourceArn") && s.Contains("BlurSourceBucket"));
        statements.Should().Contain(s => s.Contains("\"Deny\"") && s.Contains("s3.amazonaws.com") && s.Contains("\"aws:SourceAccount\":\"123456789012\""));
    }

    [Fact]
    public void Alarms_cover_dead_letters_backlog_age_errors_and_throttles()
    {
        var (_, p, t) = Pipeline();
        p.Alarms.Should().HaveCount(4);
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ApproximateAgeOfOldestMessage"), ("Threshold", 900)));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ApproximateNumberOfMessagesVisible"), ("Threshold", 1)));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Errors")));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Throttles")));
        Pipeline(new() { CreateAlarms = false }).Template.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
    }

    [Fact]
    public void The_same_bucket_needs_a_safe_prefix_split()
    {
        var stack = TestApp.NewStack();
        var bucket = Bucket.FromBucketName(stack, "B", "photos");
        var act = () => new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new() { ExistingSourceBucket = bucket, ExistingDestinationBucket = bucket, InputPrefix = "in/" });
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(
            "ExistingDestinationBucket: is the same bucket as ExistingSourceBucket (bucket \"photos\"), so blurred images would be blurred again (and again) unless InputPrefix and DestinationPrefix are both set and neither starts with the other (got \"InputPrefix \"in/\", DestinationPrefix \"\"\"); use a separate destination bucket, or set e.g. InputPrefix \"uploads/\" and DestinationPrefix \"blurred/\"");

        var ok = TestApp.NewStack();
        var same = Bucket.FromBucketName(ok, "B", "photos");
        new Action(() => _ = new FaceBlurPipeline.FaceBlurPipeline(ok, "Blur", new() { ExistingSourceBucket = same, ExistingDestinationBucket = same, InputPrefix = "in/", DestinationPrefix = "out/" }))
            .Should().NotThrow();
        TestApp.Template(ok).ResourceCountIs("AWS::S3::Bucket", 0);
    }

    [Theory]
    [InlineData("DetectionRequestsPerSecond", "DetectionRequestsPerSecond: must be between 1 and 2000 (your account's DetectFaces quota) (got 0); the default is 5, the lowest regional default quota")]
    [InlineData("MaxPixels", "MaxPixels: must be between 1,000,000 and 200,000,000 (the decompression-bomb guard) (got 10); the default is 40,000,000")]
    [InlineData("WorkerMemorySize", "WorkerMemorySize: must be between 512 and 10240 MB (decoding large images needs memory) (got 128); the default is 2048")]
    [InlineData("MinFaceConfidence", "MinFaceConfidence: must be between 0 and 100 (got 101); the default is 50")]
    [InlineData("Both", "ExistingSourceBucket, SourceBucketProps: both were given, but they are alternatives (got both); pass ExistingSourceBucket to use your bucket, or SourceBucketProps to tune the one the construct creates, not both")]
    public void Invalid_props_fail_with_the_documented_message(string prop, string message)
    {
        var stack = TestApp.NewStack();
        FaceBlurPipelineProps props = prop switch
        {
            "DetectionRequestsPerSecond" => new() { DetectionRequestsPerSecond = 0 },
            "MaxPixels" => new() { MaxPixels = 10 },
            "WorkerMemorySize" => new() { WorkerMemorySize = 128 },
            "MinFaceConfidence" => new() { MinFaceConfidence = 101 },
            _ => new() { ExistingSourceBucket = Bucket.FromBucketName(stack, "S", "source-photos"), SourceBucketProps = new BucketProps() },
        };
        var act = () => new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", props);
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Snapshot_defaults()
    {
        var (stack, _, _) = Pipeline();
        TestApp.WriteForNag(stack, "face-blur-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Snapshot_fully_customised()
    {
        var stack = TestApp.NewStack();
        var key = new Amazon.CDK.AWS.KMS.Key(stack, "Key", new Amazon.CDK.AWS.KMS.KeyProps { EnableKeyRotation = true });
        var topic = new Amazon.CDK.AWS.SNS.Topic(stack, "Alarms", new Amazon.CDK.AWS.SNS.TopicProps { EnforceSSL = true, MasterKey = key });
        _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new()
        {
            MaxReceiveCount = 2,
            AlarmTopic = topic,
            BacklogAlarmAge = Duration.Minutes(5),
            BucketEncryptionKey = key,
            WorkerMemorySize = 3008,
            WorkerTimeout = Duration.Seconds(90),
            LogLevel = "DEBUG",
            EnableTracing = true,
            DetectionRequestsPerSecond = 50,
            InputPrefix = "uploads/",
            DestinationPrefix = "blurred/",
            MaxPixels = 60_000_000,
            MinFaceConfidence = 80,
        });
        TestApp.WriteForNag(stack, "face-blur-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Snapshot_existing_buckets()
    {
        var stack = TestApp.NewStack();
        _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new()
        {
            ExistingSourceBucket = Bucket.FromBucketName(stack, "In", "team-photos"),
            ExistingDestinationBucket = Bucket.FromBucketName(stack, "Out", "team-photos-blurred"),
        });
        TestApp.Template(stack).ResourceCountIs("AWS::S3::Bucket", 0);
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }
}
