using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SQS;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Patterns.Cdk.Core;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The classes of misconfiguration that used to slip past synth in all three constructs: one resource under two
/// names, credentials in plain-text configuration, values that fail at deploy, and the real size limit of a
/// function's environment. One test per rule, with the message a user reads.
/// </summary>
public class InputClassValidationTests
{
    private static string Fails(Action<Stack> construct)
    {
        var stack = TestApp.NewStack();
        return new Action(() => construct(stack)).Should().Throw<ArgumentException>().Which.Message;
    }

    private static Action<Stack> Processor(Func<Stack, RecursionSafeS3ProcessorProps> props) =>
        s => _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(s, "Processor", props(s));

    private static Action<Stack> Blur(Func<Stack, FaceBlurPipelineProps> props) => s => _ = new FaceBlurPipeline.FaceBlurPipeline(s, "Blur", props(s));

    private static Action<Stack> Poller(Func<Stack, ApiPollerProps> props) => s => _ = new ApiPoller.ApiPoller(s, "Poller", props(s));

    private static PartnerSource Source(string url = "https://partner.example.com/v1/orders", string name = "orders", ISecret? secret = null) =>
        new() { Name = name, BaseUrl = url, TotalField = "total", AuthSecret = secret };

    // 1. One resource under two names.

    [Fact]
    public void RecursionSafe_two_imports_of_one_bucket_name_are_the_same_bucket() =>
        Fails(Processor(s => new()
        {
            ExistingBucket = Bucket.FromBucketName(s, "In", "photos"),
            ExistingOutputBucket = Bucket.FromBucketName(s, "Out", "photos"),
        })).Should().Contain(
            "ExistingOutputBucket: is the same bucket as ExistingBucket (bucket \"photos\"), so every output would trigger the processor again (got \"Strategy SeparateBucket\"); " +
            "pass a different bucket, or choose Strategy KeyFilter, ObjectMetadata or ProcessedLedger to write back to the same bucket safely")
            .And.NotContain("grant", "the user made no grant; the early rule names the two props");

    [Fact]
    public void RecursionSafe_an_import_by_arn_and_one_by_name_are_the_same_bucket() =>
        Fails(Processor(s => new()
        {
            ExistingBucket = Bucket.FromBucketArn(s, "In", "arn:aws:s3:::photos"),
            ExistingOutputBucket = Bucket.FromBucketName(s, "Out", "photos"),
        })).Should().Contain("ExistingOutputBucket: is the same bucket as ExistingBucket");

    [Fact]
    public void RecursionSafe_buckets_with_different_names_or_unknown_names_pass()
    {
        new Action(() => Processor(s => new()
        {
            ExistingBucket = Bucket.FromBucketName(s, "In", "photos"),
            ExistingOutputBucket = Bucket.FromBucketName(s, "Out", "photos-out"),
        })(TestApp.NewStack())).Should().NotThrow();
        new Action(() => Processor(s => new()
        {
            ExistingBucket = new Bucket(s, "In"),
            ExistingOutputBucket = new Bucket(s, "Out"),
        })(TestApp.NewStack())).Should().NotThrow("names known only at deploy time are compared by identity");
    }

    [Fact]
    public void FaceBlur_two_imports_of_one_bucket_name_are_the_same_bucket() =>
        Fails(Blur(s => new()
        {
            ExistingSourceBucket = Bucket.FromBucketName(s, "In", "photos"),
            ExistingDestinationBucket = Bucket.FromBucketName(s, "Out", "photos"),
        })).Should().Contain(
            "ExistingDestinationBucket: is the same bucket as ExistingSourceBucket (bucket \"photos\"), so blurred images would be blurred again (and again) unless InputPrefix and DestinationPrefix are both set and neither starts with the other (got \"InputPrefix \"\", DestinationPrefix \"\"\")");

    [Theory]
    [InlineData("name")]
    [InlineData("arn")]
    [InlineData("attributes")]
    public void An_in_app_bucket_and_an_import_of_its_name_are_the_same_bucket(string import)
    {
        static IBucket Import(Stack s, string how) => how switch
        {
            "name" => Bucket.FromBucketName(s, "Out", "photos"),
            "arn" => Bucket.FromBucketArn(s, "Out", "arn:aws:s3:::photos"),
            _ => Bucket.FromBucketAttributes(s, "Out", new BucketAttributes { BucketArn = "arn:aws:s3:::photos" }),
        };

        Fails(Processor(s => new()
        {
            ExistingBucket = new Bucket(s, "In", new BucketProps { BucketName = "photos" }),
            ExistingOutputBucket = Import(s, import),
        })).Should().Contain("ExistingOutputBucket: is the same bucket as ExistingBucket (bucket \"photos\")");
        Fails(Blur(s => new()
        {
            ExistingSourceBucket = Import(s, import),
            ExistingDestinationBucket = new Bucket(s, "In", new BucketProps { BucketName = "photos" }),
        })).Should().Contain("ExistingDestinationBucket: is the same bucket as ExistingSourceBucket (bucket \"photos\")");
    }

    // 2. Credentials in configuration.

    [Fact]
    public void A_base_url_with_user_info_is_refused_without_repeating_the_password() =>
        Fails(Poller(_ => new() { Sources = [Source("https://svc:hunter2@partner.example.com/v1/orders")] })).Should().Contain(
            "Sources[0].BaseUrl: carries credentials (user-info before '@'), which would sit in plain text in the functions' environment and the template " +
            "(got \"https://***@partner.example.com/v1/orders\"); remove them from the URL, store the credential in AWS Secrets Manager and pass it as AuthSecret (with AuthHeader, e.g. \"Authorization\")")
            .And.NotContain("hunter2");

    [Fact]
    public void No_message_about_a_base_url_repeats_its_credentials() =>
        Fails(Poller(_ => new() { Sources = [Source("http://svc:hunter2@partner.example.com/v1/orders?token=abc123#top")] }))
            .Should().Contain("Sources[0].BaseUrl: uses http").And.Contain("Sources[0].BaseUrl: has a fragment").And.Contain("Sources[0].BaseUrl: carries credentials")
            .And.Contain("Sources[0].BaseUrl: has the query parameter \"token\"").And.Contain("(got \"http://***@partner.example.com/v1/orders?token=***\")")
            .And.NotContain("hunter2").And.NotContain("abc123");

    [Theory]
    [InlineData("api_key")]
    [InlineData("access_token")]
    [InlineData("client_secret")]
    [InlineData("key")]
    [InlineData("X-Amz-Signature")]
    public void A_base_url_with_a_credential_query_parameter_is_refused(string name) =>
        Fails(Poller(_ => new() { Sources = [Source($"https://partner.example.com/v1/orders?region=eu&{name}=abc123")] })).Should().Contain(
            $"Sources[0].BaseUrl: has the query parameter \"{name}\", which looks like a credential and would sit in plain text in the functions' environment and the template " +
            $"(got \"https://partner.example.com/v1/orders?region=***&{name}=***\"); remove it from the URL, store the credential in AWS Secrets Manager and pass it as AuthSecret with the AuthHeader the partner reads it from")
            .And.NotContain("abc123");

    [Fact]
    public void A_base_url_with_ordinary_query_parameters_passes() =>
        new Action(() => Poller(_ => new() { Sources = [Source("https://partner.example.com/v1/orders?region=eu&status=open")] })(TestApp.NewStack()))
            .Should().NotThrow();

    [Fact]
    public void A_plain_text_credential_in_the_processor_environment_is_refused() =>
        Fails(Processor(_ => new()
        {
            ProcessorFunctionProps = new FunctionProps
            {
                Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22,
                Environment = new Dictionary<string, string> { ["DB_PASSWORD"] = "hunter2", ["MODE"] = "fast" },
            },
        })).Should().Contain(
            "ProcessorFunctionProps.Environment: sets \"DB_PASSWORD\", which looks like a credential, in plain text (anyone who may read the function's configuration or the template sees it) " +
            "(got \"a plain-text value\"); store it in AWS Secrets Manager, pass the secret's ARN instead (e.g. DB_PASSWORD_SECRET_ARN = secret.SecretArn) and grant the function secret.GrantRead")
            .And.NotContain("hunter2");

    [Theory]
    [InlineData("DATABASE_URL", "postgres://admin:hunter2@db.example.com:5432/app")]
    [InlineData("PARTNER_URL", "https://hunter2@partner.example.com/v1")]
    [InlineData("CONNECTION", "Server=db.example.com;User Id=sa;Password=hunter2;")]
    [InlineData("PARTNER", "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("SIGNER", "-----BEGIN RSA PRIVATE KEY-----\nMIIEhunter2")]
    [InlineData("AUTH_KEY", "hunter2")]
    [InlineData("SUBSCRIPTION_KEY", "hunter2")]
    public void A_credential_recognised_by_its_value_or_name_in_the_processor_environment_is_refused(string name, string value) =>
        Fails(Processor(_ => new()
        {
            ProcessorFunctionProps = new FunctionProps
            {
                Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22,
                Environment = new Dictionary<string, string> { [name] = value },
            },
        })).Should().Contain($"ProcessorFunctionProps.Environment: sets \"{name}\", which looks like a credential, in plain text").And.NotContain("hunter2");

    [Theory]
    [InlineData("https://partner.example.com/v1?user=me")]
    [InlineData("s3://bucket/key@v2")]
    [InlineData("PASSWORD_POLICY_NAME")]
    [InlineData("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db")]
    [InlineData("AKIA-not-a-key")]
    public void Ordinary_values_are_not_taken_for_credentials(string value) =>
        Credentials.IsCredentialValue(value).Should().BeFalse();

    [Theory]
    [InlineData("api_key")]
    [InlineData("access_token")]
    [InlineData("password")]
    public void A_source_parameter_named_like_a_credential_is_refused(string name) =>
        Fails(Poller(_ => new()
        {
            Sources = [new PartnerSource { Name = "orders", BaseUrl = "https://partner.example.com/v1/orders", TotalField = "total", Parameters = [new SourceParameter { Name = name }] }],
        })).Should().Contain(
            $"Sources[0].Parameters[0].Name: looks like a credential, but job parameters are given in plain text (job requests, schedules in the template) and stored in the job record (got \"{name}\"); " +
            "store the credential in AWS Secrets Manager and pass it as the source's AuthSecret");

    [Fact]
    public void A_pointer_to_a_secret_in_the_processor_environment_passes()
    {
        var stack = TestApp.NewStack();
        var secret = new Secret(stack, "Db");
        new Action(() => _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new()
        {
            ProcessorFunctionProps = new FunctionProps
            {
                Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22,
                Environment = new Dictionary<string, string> { ["DB_PASSWORD"] = secret.SecretArn, ["DB_PASSWORD_SECRET_NAME"] = "prod/db" },
            },
        })).Should().NotThrow();
    }

    [Theory]
    [InlineData("api_key", true)]
    [InlineData("ApiKey", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("access_token", true)]
    [InlineData("CLIENT_SECRET", true)]
    [InlineData("sig", true)]
    [InlineData("Authorization", true)]
    [InlineData("DB_PASSWORD_SECRET_ARN", false)]
    [InlineData("TOKEN_TABLE_NAME", false)]
    [InlineData("since", false)]
    [InlineData("region", false)]
    [InlineData("monkey", false)]
    public void Credential_names_are_recognised(string name, bool credential) =>
        Credentials.IsCredentialName(name).Should().Be(credential);

    // 3. Values that fail at deploy are errors.

    [Fact]
    public void RecursionSafe_visibility_below_the_processor_timeout_is_an_error() =>
        Fails(Processor(_ => new() { ProcessorTimeout = Duration.Minutes(2), WorkQueueProps = new QueueProps { VisibilityTimeout = Duration.Seconds(60) } })).Should().Contain(
            "WorkQueueProps.VisibilityTimeout: is shorter than the consumer function's timeout (ProcessorTimeout, 2 minutes), so Lambda refuses the queue as its event source at deploy " +
            "(got 1 minute); raise it to at least 6 x ProcessorTimeout (AWS's advice, and the default when you leave it out)");

    [Fact]
    public void FaceBlur_visibility_below_the_worker_timeout_is_an_error() =>
        Fails(Blur(_ => new() { WorkQueueProps = new QueueProps { VisibilityTimeout = Duration.Seconds(30) } })).Should().Contain(
            "WorkQueueProps.VisibilityTimeout: is shorter than the consumer function's timeout (WorkerTimeout, 1 minute), so Lambda refuses the queue as its event source at deploy (got 30 seconds)");

    [Fact]
    public void ApiPoller_visibility_below_the_consumer_timeout_is_an_error() =>
        Fails(Poller(_ => new() { Sources = [Source()], QueueProps = new QueueProps { VisibilityTimeout = Duration.Seconds(59) } })).Should().Contain(
            "QueueProps.VisibilityTimeout: is shorter than the consumer function's timeout (ConsumerTimeout, 1 minute), so Lambda refuses the queue as its event source at deploy (got 59 seconds)");

    [Fact]
    public void A_visibility_above_twelve_hours_is_an_error() =>
        Fails(Blur(_ => new() { WorkQueueProps = new QueueProps { VisibilityTimeout = Duration.Hours(13) } })).Should().Contain(
            "WorkQueueProps.VisibilityTimeout: must be at most 12 hours (SQS's limit) (got 13 hours)");

    [Fact]
    public void A_processor_whose_own_timeout_outlasts_the_queue_sized_from_ProcessorTimeout_is_an_error() =>
        Fails(Processor(_ => new()
        {
            ProcessorFunctionProps = new FunctionProps { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, Timeout = Duration.Minutes(5) },
        })).Should().Contain(
            "ProcessorFunctionProps.Timeout: is longer than the work queue's visibility timeout (180 seconds, 6 x the timeout it is sized from), so Lambda refuses the queue as the function's event source at deploy " +
            "(got 5 minutes); set ProcessorTimeout to the same value (the queue is sized from it), or WorkQueueProps.VisibilityTimeout to at least 6 x this timeout");

    [Fact]
    public void An_existing_processor_whose_timeout_outlasts_the_queue_is_an_error() =>
        Fails(Processor(s => new()
        {
            ExistingProcessorFunction = new Function(s, "Mine", new FunctionProps
            {
                Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, Timeout = Duration.Minutes(10),
            }),
        })).Should().Contain("ExistingProcessorFunction's Timeout: is longer than the work queue's visibility timeout (180 seconds");

    [Fact]
    public void ApiPoller_table_replicas_are_an_error_naming_the_prop_instead_of_CDKs_stream_message() =>
        Fails(Poller(_ => new()
        {
            Sources = [Source()],
            TableProps = new Amazon.CDK.AWS.DynamoDB.TableProps { ReplicationRegions = ["eu-central-1"] },
        })).Should().Contain("TableProps.ReplicationRegions: cannot replicate the progress table").And.Contain("(got \"eu-central-1\")")
            .And.Contain("pass ExistingTable");

    [Fact]
    public void RecursionSafe_ledger_replicas_need_the_stream_CDK_requires()
    {
        Fails(Processor(_ => new()
        {
            Strategy = ProcessingStrategy.ProcessedLedger,
            LedgerTableProps = new Amazon.CDK.AWS.DynamoDB.TableProps { ReplicationRegions = ["eu-central-1"] },
        })).Should().Contain("LedgerTableProps.ReplicationRegions: needs a NEW_AND_OLD_IMAGES stream");

        var stack = TestApp.NewStack();
        var build = () => new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.ProcessedLedger,
            LedgerTableProps = new Amazon.CDK.AWS.DynamoDB.TableProps
            {
                ReplicationRegions = ["eu-central-1"],
                Stream = Amazon.CDK.AWS.DynamoDB.StreamViewType.NEW_AND_OLD_IMAGES,
            },
        });
        build.Should().NotThrow();
    }

    [Theory]
    [InlineData("QueueName", "drop the .fifo suffix")]
    [InlineData("ContentBasedDeduplication", "remove ContentBasedDeduplication")]
    [InlineData("DeduplicationScope", "remove DeduplicationScope")]
    [InlineData("FifoThroughputLimit", "remove FifoThroughputLimit")]
    public void A_work_queue_CDK_makes_FIFO_without_Fifo_is_an_error_in_every_construct(string prop, string fix)
    {
        QueueProps Queue() => prop switch
        {
            "QueueName" => new QueueProps { QueueName = "work.fifo" },
            "ContentBasedDeduplication" => new QueueProps { ContentBasedDeduplication = true },
            "DeduplicationScope" => new QueueProps { DeduplicationScope = DeduplicationScope.QUEUE },
            _ => new QueueProps { FifoThroughputLimit = FifoThroughputLimit.PER_QUEUE },
        };

        Fails(Blur(_ => new() { WorkQueueProps = Queue() })).Should().Contain($"WorkQueueProps.{prop}: makes the work queue FIFO").And.Contain(fix);
        Fails(Processor(_ => new() { WorkQueueProps = Queue() })).Should().Contain($"WorkQueueProps.{prop}: makes the work queue FIFO");
        Fails(Poller(_ => new() { Sources = [Source()], QueueProps = Queue() })).Should().Contain($"QueueProps.{prop}: makes the work queue FIFO");
    }

    [Theory]
    [InlineData("VisibilityTimeout")]
    [InlineData("RetentionPeriod")]
    [InlineData("DeliveryDelay")]
    [InlineData("ReceiveMessageWaitTime")]
    public void A_fractional_queue_duration_is_refused_with_the_prop_named_instead_of_CDKs_conversion_error(string prop)
    {
        var queue = prop switch
        {
            "VisibilityTimeout" => new QueueProps { VisibilityTimeout = Duration.Millis(400_500) },
            "RetentionPeriod" => new QueueProps { RetentionPeriod = Duration.Millis(3_600_500) },
            "DeliveryDelay" => new QueueProps { DeliveryDelay = Duration.Millis(1_500) },
            _ => new QueueProps { ReceiveMessageWaitTime = Duration.Millis(1_500) },
        };

        Fails(Blur(_ => new() { WorkQueueProps = queue })).Should().Contain($"WorkQueueProps.{prop}: must be a whole number of seconds (SQS takes whole seconds)");
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void A_non_finite_number_in_a_passed_through_CDK_props_object_is_refused_with_its_path(double value, string got)
    {
        FunctionProps Function() => new() { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, ReservedConcurrentExecutions = value };

        Fails(Processor(_ => new() { ProcessorFunctionProps = Function() })).Should().Contain(
            $"ProcessorFunctionProps.ReservedConcurrentExecutions: must be a finite number (got {got}); give a number, or leave it out for the default");
        Fails(Blur(_ => new() { WorkQueueProps = new QueueProps { MaxMessageSizeBytes = value } })).Should().Contain($"WorkQueueProps.MaxMessageSizeBytes: must be a finite number (got {got})");
        Fails(Poller(_ => new() { Sources = [Source()], QueueProps = new QueueProps { MaxMessageSizeBytes = value } })).Should().Contain($"QueueProps.MaxMessageSizeBytes: must be a finite number (got {got})");
        Fails(Processor(_ => new() { ProcessorFunctionProps = new FunctionProps { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, MemorySize = value } }))
            .Should().Contain($"ProcessorFunctionProps.MemorySize: must be a finite number (got {got})").And.NotContain("must be between 128");
    }

    [Fact]
    public void A_processor_function_timeout_in_fractional_seconds_or_memory_Lambda_refuses_is_an_error()
    {
        FunctionProps Function(Duration? timeout = null, double? memory = null) =>
            new() { Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22, Timeout = timeout, MemorySize = memory };

        Fails(Processor(_ => new() { ProcessorFunctionProps = Function(timeout: Duration.Millis(20_500)) })).Should().Contain(
            "ProcessorFunctionProps.Timeout: must be a whole number of seconds (Lambda timeouts are)");
        Fails(Processor(_ => new() { ProcessorFunctionProps = Function(memory: 100) })).Should().Contain(
            "ProcessorFunctionProps.MemorySize: must be between 128 and 10240 MB (Lambda's limits) (got 100)");
    }

    [Fact]
    public void A_ledger_table_whose_stream_keys_or_ttl_the_handlers_cannot_use_is_an_error()
    {
        Action<Stack> Ledger(TableProps table) => Processor(_ => new() { Strategy = ProcessingStrategy.ProcessedLedger, LedgerTableProps = table });
        var objectId = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "objectId", Type = AttributeType.STRING };

        Fails(Ledger(new TableProps { PartitionKey = objectId, Stream = StreamViewType.KEYS_ONLY })).Should().Contain(
            "LedgerTableProps.Stream: must carry new images: the processor reads each ledger item from the stream's NewImage, so every record would fail");
        Fails(Ledger(new TableProps { PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING } })).Should().Contain(
            "LedgerTableProps.PartitionKey/SortKey: replace the ledger's key schema (objectId, revision: strings)");
        Fails(Ledger(new TableProps { PartitionKey = objectId, TimeToLiveAttribute = "ttl" })).Should().Contain(
            "LedgerTableProps.TimeToLiveAttribute: is not the attribute the recorder writes (expiresAt)");
        new Action(() => Ledger(new TableProps { PartitionKey = objectId, Stream = StreamViewType.NEW_AND_OLD_IMAGES, TimeToLiveAttribute = "expiresAt" })(TestApp.NewStack()))
            .Should().NotThrow();
    }

    [Fact]
    public void A_queue_name_SQS_refuses_is_an_error() =>
        Fails(Processor(_ => new() { WorkQueueProps = new QueueProps { QueueName = "work queue!" } })).Should().Contain(
            "WorkQueueProps.QueueName: is not a name SQS accepts (1-80 letters, digits, '-' or '_'), so the deploy fails (got \"work queue!\")");

    [Fact]
    public void A_FIFO_work_queue_is_an_error() =>
        Fails(Blur(_ => new() { WorkQueueProps = new QueueProps { Fifo = true } })).Should().Contain(
            "WorkQueueProps.Fifo: makes the work queue FIFO, but S3 event notifications are standard messages (and its dead-letter queue is a standard queue), so it fails at deploy or at the first message (got \"true\"); remove Fifo");

    [Fact]
    public void A_visibility_between_one_and_six_timeouts_still_deploys_with_a_warning()
    {
        var stack = TestApp.NewStack();
        _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new() { WorkQueueProps = new QueueProps { VisibilityTimeout = Duration.Minutes(2) } });
        Amazon.CDK.Assertions.Annotations.FromStack(stack)
            .FindWarning("*", Amazon.CDK.Assertions.Match.StringLikeRegexp("patterns-cdk:FaceBlurPipeline\\.queueVisibility")).Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("RecursionSafe", "ProcessorTimeout: must be a whole number of seconds (Lambda timeouts are) (got 1 second 500 millis)")]
    [InlineData("FaceBlur", "WorkerTimeout: must be a whole number of seconds (Lambda timeouts are) (got 10 seconds 500 millis)")]
    [InlineData("ApiPoller", "FetcherTimeout: must be a whole number of seconds (Lambda and Step Functions take whole seconds) (got 1 minute 30 seconds)")]
    public void A_fractional_lambda_timeout_is_an_error_naming_the_prop(string construct, string message) =>
        Fails(construct switch
        {
            "RecursionSafe" => Processor(_ => new() { ProcessorTimeout = Duration.Millis(1500) }),
            "FaceBlur" => Blur(_ => new() { WorkerTimeout = Duration.Millis(10500) }),
            _ => Poller(_ => new() { Sources = [Source()], FetcherTimeout = Duration.Millis(90500) }),
        }).Should().Contain(message);

    // 4. The real limit of a function's environment.

    [Fact]
    public void The_environment_is_measured_as_Lambda_measures_it()
    {
        LambdaEnvironment.MeasuredBytes(new Dictionary<string, string> { ["A"] = "b\"c" }).Should().Be("{\"A\":\"b\\\"c\"}".Length);
        var token = Token.AsString(new Dictionary<string, object> { ["Ref"] = "X" });
        LambdaEnvironment.MeasuredBytes(new Dictionary<string, string> { ["A"] = token }).Should().Be("{\"A\":\"\"}".Length + LambdaEnvironment.TokenBytes);
    }

    [Fact]
    public void Twenty_minimal_sources_fit()
    {
        var (stack, _, _) = ApiPollerSynth.Poller(new() { Sources = Enumerable.Range(1, 20).Select(i => Source($"https://partner{i:00}.example.com/v1/orders", $"source-{i:00}")).ToList() });
        foreach (var role in new[] { "JobApiFunction", "PlannerFunction", "PageFetcherFunction", "CursorFetcherFunction", "ConsumerFunction" })
        {
            var variables = ApiPollerTemplate.Environment(stack, role).ToDictionary(e => e.Key, e => e.Value is System.Text.Json.Nodes.JsonValue v ? v.GetValue<string>() : new string('t', LambdaEnvironment.TokenBytes));
            LambdaEnvironment.MeasuredBytes(variables).Should().BeLessThanOrEqualTo(LambdaEnvironment.MaxBytes, role);
        }
    }

    /// <summary>Sources with a secret each (and a parameter): the documented real limits (docs/ApiPoller.md) fit, one more fails naming Sources.</summary>
    [Theory]
    [InlineData(false, 11)]
    [InlineData(true, 8)]
    public void Sources_with_a_secret_each_fit_up_to_the_documented_limit_and_one_more_fails(bool withParameter, int documentedLimit)
    {
        ApiPollerProps Sources(Stack s, int count) => new()
        {
            Sources = Enumerable.Range(1, count).Select(i => new PartnerSource
            {
                Name = $"source-{i:00}", BaseUrl = $"https://partner{i:00}.example.com/v1/orders", TotalField = "total", AuthSecret = new Secret(s, $"Token{i}"),
                Parameters = withParameter ? [new SourceParameter { Name = "since", Pattern = @"^\d{4}-\d{2}-\d{2}$", Required = true }] : null,
            }).ToList(),
        };

        new Action(() => Poller(s => Sources(s, documentedLimit))(TestApp.NewStack())).Should().NotThrow();
        Fails(Poller(s => Sources(s, documentedLimit + 1))).Should().MatchRegex(
            @"Sources: take \d+ bytes of the PageFetcherFunction's environment, which would then measure 4\d\d\d bytes once deployed, more than Lambda's 4096 " +
            @"\(secret ARNs and other deploy-time values counted at 120 bytes\) \(got """ + (documentedLimit + 1) + @" sources""\); shorten base URLs, names and parameter patterns, leave settings at their defaults " +
            @"\(defaults take no space\), or split the sources over several ApiPoller constructs");
    }

    [Fact]
    public void An_oversized_user_environment_fails_naming_the_function() =>
        Fails(Processor(_ => new()
        {
            ProcessorFunctionProps = new FunctionProps
            {
                Code = Code.FromInline("x"), Handler = "index.handler", Runtime = TestRuntimes.NodeJs22,
                Environment = new Dictionary<string, string> { ["BIG"] = new string('x', 4000) },
            },
        })).Should().Contain("TestStack/Processor/ProcessorFunction: its environment variables would measure about").And.Contain("more than Lambda's 4096");

    // 5. RecursionSafeS3Processor's work queue takes S3 deliveries for this account's buckets only.

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    public void The_work_queue_policy_pins_the_source_account(ProcessingStrategy strategy)
    {
        var (_, _, template) = Synth.Processor(Synth.Minimal(strategy));
        template.HasResourceProperties("AWS::SQS::QueuePolicy", Synth.Props(("PolicyDocument", Synth.Props(("Statement", Amazon.CDK.Assertions.Match.ArrayWith(
        [
            Amazon.CDK.Assertions.Match.ObjectLike(Synth.Props(
                ("Effect", "Deny"),
                ("Principal", Synth.Props(("Service", "s3.amazonaws.com"))),
                ("Action", "sqs:SendMessage"),
                ("Condition", Synth.Props(("StringNotEquals", Synth.Props(("aws:SourceAccount", TestApp.Env.Account!))))))),
        ]))))));
    }
}
