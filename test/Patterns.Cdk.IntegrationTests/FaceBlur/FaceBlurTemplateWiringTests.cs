using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.Runtime;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.Functions.FaceBlurPipeline;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// The real <see cref="Patterns.Cdk.FaceBlurPipeline.FaceBlurPipeline"/> template as a simulated deployment: buckets and
/// queues provisioned from the template, S3 notifications routed by its <c>Custom::S3BucketNotifications</c> filter, the
/// SQS event source mapping (batch size, partial batch responses) and the work queue's redrive policy from the template,
/// and the worker instantiated from the function's Handler string with its resolved environment (plus
/// <c>REKOGNITION_ENDPOINT</c>, pointed at <see cref="FakeRekognition"/>). Nothing here is a hand-written name.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class FaceBlurTemplateWiringTests(EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output)
    : IClassFixture<FakeRekognition>
{
    private const string ReasonAttribute = "patterns-cdk-reason";
    private static readonly (double Left, double Top, double Width, double Height) Face = (0.35, 0.30, 0.25, 0.35);

    private static readonly Lazy<JsonObject> DefaultTemplate = new(() => Synthesize(new FaceBlurPipelineProps()));
    private static readonly Lazy<JsonObject> PrefixedTemplate = new(() => Synthesize(new FaceBlurPipelineProps { InputPrefix = "photos/", DestinationPrefix = "blurred/" }));

    [Theory]
    [InlineData(false, "team/portrait.jpg")]
    [InlineData(true, "photos/team/portrait.jpg")]
    public async Task A_JPEG_with_a_face_is_delivered_once_where_the_template_says_as_image_jpeg_without_EXIF(bool prefixed, string key)
    {
        using Deployment deployment = await Deployment.CreateAsync(emulators, rekognition, prefixed ? PrefixedTemplate.Value : DefaultTemplate.Value, output);
        rekognition.On(deployment.SourceBucket, key, FakeRekognition.Faces(Face));

        await deployment.UploadAsync(key, SampleImages.JpegWithExif(), "image/jpeg");
        await deployment.Lambda.DriveAsync();

        string expectedKey = deployment.Env["DESTINATION_PREFIX"] + key[deployment.Env["INPUT_PREFIX"].Length..];
        expectedKey.Should().Be(prefixed ? "blurred/team/portrait.jpg" : "team/portrait.jpg");
        (await deployment.DestinationKeysAsync()).Should().Equal(expectedKey);
        using GetObjectResponse blurred = await emulators.S3.GetObjectAsync(deployment.DestinationBucket, expectedKey);
        blurred.Headers.ContentType.Should().Be("image/jpeg");
        using var content = new MemoryStream();
        await blurred.ResponseStream.CopyToAsync(content);
        SampleImages.HasExif(content.ToArray()).Should().BeFalse();
        rekognition.CallsFor(deployment.SourceBucket).Should().ContainSingle().Which.Problems.Should().BeEmpty();
        (await emulators.DrainAsync(deployment.DeadLetterQueueUrl)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_text_file_named_jpg_ends_in_the_templates_dead_letter_queue_with_its_reason_and_nothing_is_written()
    {
        using Deployment deployment = await Deployment.CreateAsync(emulators, rekognition, DefaultTemplate.Value, output);

        await deployment.UploadAsync("notes.jpg", SampleImages.TextNamedJpg, "image/jpeg");
        await deployment.Lambda.DriveAsync();

        Message dead = (await emulators.DrainAsync(deployment.DeadLetterQueueUrl)).Should().ContainSingle().Subject;
        dead.MessageAttributes.Should().ContainKey(ReasonAttribute).WhoseValue.StringValue.Should().Contain("not JPEG or PNG");
        dead.Body.Should().Be(deployment.Notifications.Emitted.Should().ContainSingle().Subject.Payload);
        (await deployment.DestinationKeysAsync()).Should().BeEmpty();
        deployment.Lambda.Invocations.Should().ContainSingle("bad input is set aside at once, not retried until the redrive policy's maxReceiveCount");
    }

    [Fact]
    public async Task An_upload_outside_the_input_prefix_is_not_processed()
    {
        using Deployment deployment = await Deployment.CreateAsync(emulators, rekognition, PrefixedTemplate.Value, output);

        await deployment.UploadAsync("elsewhere/portrait.jpg", SampleImages.JpegWithExif(), "image/jpeg");
        await deployment.Lambda.DriveAsync();

        deployment.Notifications.Emitted.Should().BeEmpty("the notification's prefix filter is photos/");
        deployment.Lambda.Invocations.Should().BeEmpty();
        (await deployment.DestinationKeysAsync()).Should().BeEmpty();
        rekognition.CallsFor(deployment.SourceBucket).Should().BeEmpty();
    }

    private static JsonObject Synthesize(FaceBlurPipelineProps props)
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "IntegrationFaceBlur", new StackProps());
        _ = new Patterns.Cdk.FaceBlurPipeline.FaceBlurPipeline(stack, "Pipeline", props);
        string json = Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON());
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>
    /// The FaceBlurPipeline template provisioned and wired with the harness's pieces, as <see cref="SimulatedDeployment"/>
    /// does for RecursionSafeS3Processor. The source bucket is the one with notifications, the work queue the mapping's
    /// source, the dead-letter queue its redrive target, the destination the worker's DESTINATION_BUCKET.
    /// </summary>
    private sealed class Deployment : IDisposable
    {
        private readonly List<ClientSet> _clients = [];
        private readonly HttpClient _rekognitionHttp = new();

        private Deployment(CfnTemplate template, ProvisionedResources resources) => (Template, Resources) = (template, resources);

        public CfnTemplate Template { get; }

        public ProvisionedResources Resources { get; }

        public RequestCounter Counter { get; } = new();

        public LambdaServiceEmulator Lambda { get; private set; } = null!;

        public S3NotificationEmulator Notifications { get; private set; } = null!;

        public FunctionHost Worker { get; private set; } = null!;

        public IReadOnlyDictionary<string, string> Env => Worker.Environment;

        public string SourceBucket { get; private set; } = null!;

        public string DestinationBucket => Env["DESTINATION_BUCKET"];

        public string DeadLetterQueueUrl { get; private set; } = null!;

        private ClientSet Uploader { get; set; } = null!;

        public static async Task<Deployment> CreateAsync(EmulatorFixture emulators, FakeRekognition rekognition, JsonObject json, ITestOutputHelper output)
        {
            var template = new CfnTemplate(json.DeepClone().AsObject());
            var deployment = new Deployment(template, await ProvisionedResources.CreateAsync(template, emulators));
            deployment.Wire(emulators, rekognition, output);
            return deployment;
        }

        public Task<PutObjectResponse> UploadAsync(string key, byte[] content, string contentType) =>
            Uploader.S3.PutObjectAsync(new PutObjectRequest { BucketName = SourceBucket, Key = key, InputStream = new MemoryStream(content), ContentType = contentType });

        public async Task<List<string>> DestinationKeysAsync() =>
            ((await Uploader.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = DestinationBucket })).S3Objects ?? []).Select(o => o.Key).ToList();

        public void Dispose()
        {
            _clients.ForEach(c => c.Dispose());
            _rekognitionHttp.Dispose();
        }

        private void Wire(EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output)
        {
            Lambda = new LambdaServiceEmulator(emulators.Sqs, Counter);
            Notifications = new S3NotificationEmulator(Template, Resources, emulators.S3, emulators.Sqs, Lambda);
            Uploader = Clients(emulators, new ClientIdentity("uploader", S3NotificationEmulator.UploaderPrincipal));
            (string bucketsId, JsonObject notifications) = Template.OfType("Custom::S3BucketNotifications").Should().ContainSingle().Subject;
            SourceBucket = Resources.Resolve(notifications["BucketName"]);

            (_, JsonObject mapping) = Template.OfType("AWS::Lambda::EventSourceMapping").Should().ContainSingle().Subject;
            string workerId = CfnTemplate.ReferencedId(mapping["FunctionName"]);
            JsonObject workQueue = Template.PropertiesOf(CfnTemplate.ReferencedId(mapping["EventSourceArn"]));
            DeadLetterQueueUrl = Resources.FindByArnOrUrl(Resources.Resolve(workQueue["RedrivePolicy"]!["deadLetterTargetArn"]))!.Ref;
            output.WriteLine($"{bucketsId}: {SourceBucket}; worker {workerId}, batch size {mapping["BatchSize"]}, maxReceiveCount {workQueue["RedrivePolicy"]!["maxReceiveCount"]}");

            Worker = FunctionHost.Create(workerId, Template.PropertiesOf(workerId), Resources, identity => Clients(emulators, identity), output.WriteLine,
                new Dictionary<string, string> { ["REKOGNITION_ENDPOINT"] = rekognition.Endpoint.ToString() },
                (type, environment, log) => type == typeof(IFaceDetector) ? Detector(FaceBlurSettings.FromEnvironment(environment), log) : null);
            Lambda.Register(Worker);
            Lambda.Configure(Template, Resources, emulators.DynamoDb);
        }

        private RekognitionFaceDetector Detector(FaceBlurSettings settings, Patterns.Cdk.Functions.Shared.JsonLog log) =>
            FakeRekognition.Detector(_rekognitionHttp, settings, log);

        private ClientSet Clients(EmulatorFixture emulators, ClientIdentity identity)
        {
            CountingHttpClientFactory Http(string service) => new(() => new CountingHandler(identity, service, Counter, service == "S3" ? Notifications : null));
            var clients = new ClientSet(emulators.CreateS3(Http("S3")), emulators.CreateSqs(Http("SQS")), emulators.CreateDynamoDb(Http("DynamoDB")));
            _clients.Add(clients);
            return clients;
        }
    }
}
