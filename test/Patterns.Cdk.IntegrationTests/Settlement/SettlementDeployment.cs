using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.SQS.Model;
using Patterns.Cdk.EventDrivenSettlement;
using Patterns.Cdk.Functions.EventDrivenSettlement;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Settlement;

/// <summary>An event the simulated bus routed, or one the outbox Pipe put on the bus.</summary>
public sealed record BusEvent(string Id, string Source, string DetailType, JsonObject Detail);

/// <summary>
/// The synthesized EventDrivenSettlement template as a simulated deployment on the emulators. Everything that decides
/// behaviour comes from the template: the input rule's event pattern and its target queue (the bus routes an event to
/// the queue only when the pattern matches, as EventBridge would, with the whole event as the message body); the queue's
/// redrive policy; the SQS event source mapping (batch size, partial batch responses) and the consumer's environment;
/// the table's key schema and stream view type; and the outbox Pipe's filter, input template, source and detail-type,
/// applied to the table's stream (dynalite has no streams: <see cref="DynamoStreamEmulator"/> turns each new item into
/// an INSERT record). The handlers are the bundled <see cref="SettlementConsumer"/> and <see cref="SettlementApi"/>,
/// found through the function's handler string, with real SDK clients over HTTP.
/// </summary>
public sealed class SettlementDeployment : IDisposable
{
    private readonly List<ClientSet> _clients = [];
    private readonly Amazon.SQS.IAmazonSQS _sqs;
    private readonly EventPattern _inputPattern;
    private readonly string _inputQueueUrl;
    private readonly DynamoStreamEmulator _stream;
    private readonly EventFilter _pipeFilter;
    private readonly PipeInputTemplate _pipeTemplate;
    private readonly string _pipeSource;
    private readonly string _pipeDetailType;
    private int _pipeEvents;

    private SettlementDeployment(EmulatorFixture emulators, CfnTemplate template, ProvisionedResources resources, ITestOutputHelper output, FaultInjector? faults)
    {
        Template = template;
        Resources = resources;
        Faults = faults;
        _sqs = emulators.Sqs;
        Lambda = new LambdaServiceEmulator(emulators.Sqs, Counter);

        (string ruleId, JsonObject rule) = template.OfType("AWS::Events::Rule")
            .Single(r => r.Properties["EventPattern"]?["detail-type"]?.AsArray().Any(t => (string?)t == "Fraud.Not.Detected") == true);
        _inputPattern = EventPattern.From(rule["EventPattern"]!.AsObject());
        JsonObject target = rule["Targets"]!.AsArray().Should().ContainSingle().Subject!.AsObject();
        target.ContainsKey("InputTransformer").Should().BeFalse("the consumer expects the whole EventBridge event as the message body");
        target.ContainsKey("Input").Should().BeFalse();
        target.ContainsKey("InputPath").Should().BeFalse();
        _inputQueueUrl = resources.FindByArnOrUrl(resources.Resolve(target["Arn"]))!.Ref;

        (_, JsonObject mapping) = template.OfType("AWS::Lambda::EventSourceMapping").Should().ContainSingle().Subject;
        string consumerId = CfnTemplate.ReferencedId(mapping["FunctionName"]);
        WorkQueueUrl = resources[CfnTemplate.ReferencedId(mapping["EventSourceArn"])].Ref;
        JsonObject workQueue = template.PropertiesOf(CfnTemplate.ReferencedId(mapping["EventSourceArn"]));
        DeadLetterQueueUrl = resources.FindByArnOrUrl(resources.Resolve(workQueue["RedrivePolicy"]!["deadLetterTargetArn"]))!.Ref;
        MaxReceiveCount = CfnTemplate.Number(workQueue["RedrivePolicy"]!["maxReceiveCount"], 0);

        Consumer = Host(emulators, consumerId, output);
        Lambda.Register(Consumer);
        if (template.OfType("AWS::Lambda::Function").FirstOrDefault(f => (string?)f.Properties["Handler"] == nameof(SettlementApi)) is { Id: { } apiId })
        {
            Api = Host(emulators, apiId, output);
        }

        Lambda.Configure(template, resources, emulators.DynamoDb);

        (string pipeId, JsonObject pipe) = template.OfType("AWS::Pipes::Pipe").Should().ContainSingle().Subject;
        string tableId = CfnTemplate.ReferencedId(pipe["Source"]);
        JsonObject table = template.PropertiesOf(tableId);
        TableName = resources[tableId].Name;
        _stream = new DynamoStreamEmulator(emulators.DynamoDb, TableName, resources.Resolve(pipe["Source"]),
            (string)table["StreamSpecification"]!["StreamViewType"]!,
            table["KeySchema"]!.AsArray().Select(k => (string)k!["AttributeName"]!).ToList());
        JsonObject sourceParameters = pipe["SourceParameters"]!.AsObject();
        _pipeFilter = EventFilter.From(sourceParameters);
        JsonObject targetParameters = pipe["TargetParameters"]!.AsObject();
        _pipeTemplate = new PipeInputTemplate((string)targetParameters["InputTemplate"]!);
        _pipeSource = (string)targetParameters["EventBridgeEventBusParameters"]!["Source"]!;
        _pipeDetailType = (string)targetParameters["EventBridgeEventBusParameters"]!["DetailType"]!;
        output.WriteLine($"rule {ruleId} -> {_inputQueueUrl}; consumer {consumerId} (batch {mapping["BatchSize"]}, maxReceiveCount {MaxReceiveCount}); pipe {pipeId} filter {_pipeFilter}");
    }

    public CfnTemplate Template { get; }

    public ProvisionedResources Resources { get; }

    public LambdaServiceEmulator Lambda { get; }

    /// <summary>Every request the functions' clients sent (each attempt of the SDK's retries).</summary>
    public RequestCounter Counter { get; } = new();

    /// <summary>The fault layer between the functions' clients and the emulators, when the deployment has one.</summary>
    public FaultInjector? Faults { get; }

    public FunctionHost Consumer { get; }

    /// <summary>The REST API's function, when the template has one.</summary>
    public FunctionHost? Api { get; }

    public string TableName { get; }

    public string DeadLetterQueueUrl { get; }

    /// <summary>The queue the consumer's event source mapping reads.</summary>
    public string WorkQueueUrl { get; }

    public int MaxReceiveCount { get; }

    /// <summary>Events the input rule routed to the queue.</summary>
    public List<BusEvent> Routed { get; } = [];

    /// <summary>Events the outbox Pipe put on the bus (each its own PutEvents entry).</summary>
    public List<BusEvent> Published { get; } = [];

    public static JsonObject Synthesize(EventDrivenSettlementProps props)
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "IntegrationSettlement", new StackProps());
        _ = new Patterns.Cdk.EventDrivenSettlement.EventDrivenSettlement(stack, "Settlement", props);
        string json = Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON());
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>Deploys <paramref name="json"/>; with <paramref name="faults"/>, the functions' clients send through that fault layer.</summary>
    public static async Task<SettlementDeployment> CreateAsync(EmulatorFixture emulators, JsonObject json, ITestOutputHelper output, FaultInjector? faults = null)
    {
        var template = new CfnTemplate(json.DeepClone().AsObject());
        return new SettlementDeployment(emulators, template, await ProvisionedResources.CreateAsync(template, emulators), output, faults);
    }

    /// <summary>PutEvents on the bus: the input rule sends the event to its queue when its pattern matches; true when it did.</summary>
    public async Task<bool> PutEventAsync(JsonObject @event)
    {
        if (!_inputPattern.Matches(@event))
        {
            return false;
        }

        await _sqs.SendMessageAsync(new SendMessageRequest(_inputQueueUrl, @event.ToJsonString()));
        Routed.Add(new BusEvent((string)@event["id"]!, (string)@event["source"]!, (string)@event["detail-type"]!, @event["detail"]!.AsObject()));
        return true;
    }

    /// <summary>The consumer drains the queue (event source mapping), then the outbox Pipe forwards the new stream records.</summary>
    public async Task DriveAsync(int maxInvocations, TimeSpan? timeout = null)
    {
        await Lambda.DriveAsync(maxInvocations, timeout ?? TimeSpan.FromSeconds(60));
        await PumpOutboxAsync();
    }

    /// <summary>The Pipe: every stream record its filter passes becomes one event with the rendered detail.</summary>
    public async Task PumpOutboxAsync()
    {
        await _stream.CaptureAsync(Cause.None);
        foreach (StreamRecord record in _stream.Pending)
        {
            if (_pipeFilter.Matches(record.Record))
            {
                Published.Add(new BusEvent($"pipe-{++_pipeEvents}", _pipeSource, _pipeDetailType, _pipeTemplate.RenderJson(record.Record)));
            }
        }

        _stream.Pending.Clear();
    }

    public void Dispose() => _clients.ForEach(c => c.Dispose());

    private FunctionHost Host(EmulatorFixture emulators, string logicalId, ITestOutputHelper output) =>
        FunctionHost.Create(logicalId, Template.PropertiesOf(logicalId), Resources, identity =>
            {
                CountingHttpClientFactory Http(string service) => new(() => new CountingHandler(identity, service, Counter, null, Faults));
                var clients = new ClientSet(emulators.CreateS3(Http("S3")), emulators.CreateSqs(Http("SQS")), emulators.CreateDynamoDb(Http("DynamoDB")));
                _clients.Add(clients);
                return clients;
            },
            output.WriteLine,
            extraArgument: (type, environment, _) => type == typeof(SettlementSettings) ? SettlementSettings.FromEnvironment(environment, logicalId) : null);
}
