using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>Properties of an <see cref="EventDrivenSettlement"/>. None is required: the defaults give a complete, secure pattern.</summary>
public sealed class EventDrivenSettlementProps
{
    // 1. Bring your own resources.

    /// <summary>
    /// The bus the fraud domain publishes <c>Fraud.Not.Detected</c> on; <c>Settlement.Finalized</c> is published on it too.
    /// Default: a new custom event bus (generated name).
    /// </summary>
    public IEventBus? ExistingEventBus { get; init; }

    /// <summary>
    /// The settlement table: partition key <c>claimId</c> (string), no sort key, and a stream with NEW_IMAGE (or
    /// NEW_AND_OLD_IMAGES), imported with its stream ARN (<c>Table.FromTableAttributes</c> with <c>TableStreamArn</c>):
    /// the outbox pipe reads it. Default: a new on-demand table with point-in-time recovery, retained on stack deletion.
    /// </summary>
    public ITable? ExistingTable { get; init; }

    /// <summary>
    /// The VPC of container mode's tasks (<see cref="ContainerImage"/>) and of the private API's endpoint
    /// (<see cref="ApiEndpointType"/> PRIVATE). Its tasks need a route to SQS, DynamoDB, ECR and CloudWatch Logs (a NAT
    /// gateway or endpoints); the construct adds none to your VPC. Default: container mode creates a two-AZ VPC with
    /// isolated subnets only (no NAT gateway) and VPC endpoints for exactly what the tasks call.
    /// </summary>
    public IVpc? ExistingVpc { get; init; }

    /// <summary>
    /// The <c>execute-api</c> interface endpoint a PRIVATE API is reachable through (only through it: the API's resource
    /// policy denies any other source). Default: with <see cref="ApiEndpointType"/> PRIVATE, a new endpoint in
    /// <see cref="ExistingVpc"/> (or container mode's VPC).
    /// </summary>
    public IInterfaceVpcEndpoint? ExistingApiVpcEndpoint { get; init; }

    // 2. Overrides of created resources.

    /// <summary>Overrides for the created event bus (for example <c>EventBusName</c>). Default: a bus with a generated name.</summary>
    public EventBusProps? EventBusProps { get; init; }

    /// <summary>
    /// Overrides for the created settlement table (the key, the stream and the attribute types are fixed: they are the
    /// contract with the handler and the outbox pipe). Default: on-demand, encrypted with an AWS owned key (or
    /// <see cref="TableEncryptionKey"/>), point-in-time recovery, <c>RemovalPolicy.RETAIN</c>.
    /// </summary>
    public TableProps? TableProps { get; init; }

    /// <summary>
    /// Overrides for the work queue the input rule sends to. Default: SSE-SQS, TLS-only, visibility 6 x
    /// <see cref="ConsumerTimeout"/>, 4 days' retention, redrive to the dead-letter queue after <see cref="MaxReceiveCount"/> receives.
    /// </summary>
    public QueueProps? QueueProps { get; init; }

    // 3. Safety switches. (The dead-letter queues are not optional: the consumer parks contract violations and conflicting
    // claims there at once, with the reason, and the rule and the pipe keep what they could not deliver.)

    /// <summary>Receives of an input message before it moves to the dead-letter queue (1-100); transient errors are retried until then. Default: 3.</summary>
    public double? MaxReceiveCount { get; init; }

    /// <summary>Create CloudWatch alarms (the three dead-letter queues, consumer errors and throttles, backlog age, pipe failures). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>SNS topic notified when an alarm changes state (ALARM and OK). Default: none.</summary>
    public ITopic? AlarmTopic { get; init; }

    // 4. Encryption keys.

    /// <summary>Customer-managed KMS key for the created settlement table (and its stream). Default: an AWS owned key (no charge, no key policy to manage).</summary>
    public IKey? TableEncryptionKey { get; init; }

    // 5. Handler tuning.

    /// <summary>Memory of the bundled settlement function in MB (128-10,240). Not with <see cref="ContainerImage"/>. Default: 512.</summary>
    public double? ConsumerMemorySize { get; init; }

    /// <summary>
    /// Timeout of the bundled settlement function (5 seconds-15 minutes); the work queue's visibility timeout is 6 x this
    /// (in container mode, 6 x the default). Not with <see cref="ContainerImage"/>. Default: 30 seconds.
    /// </summary>
    public Duration? ConsumerTimeout { get; init; }

    /// <summary>Most concurrent settlement functions (the SQS event source's maximum concurrency, 2-1,000). Not with <see cref="ContainerImage"/>. Default: 10.</summary>
    public double? ConsumerMaxConcurrency { get; init; }

    /// <summary>Memory of the bundled REST API function in MB (128-10,240). Only with <see cref="EnableRestApi"/>. Default: 512.</summary>
    public double? ApiMemorySize { get; init; }

    /// <summary>Application log level of the bundled functions and of container mode's <c>LOG_LEVEL</c> (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Retention of every log group the construct creates (functions, pipe, API access logs, containers, VPC flow logs). Default: three months.</summary>
    public RetentionDays? LogRetention { get; init; }

    /// <summary>X-Ray active tracing on the bundled functions and the API stage. Default: false.</summary>
    public bool? EnableTracing { get; init; }

    /// <summary>
    /// vCPU units of a container task (256, 512, 1024, 2048, 4096, 8192 or 16384; with <see cref="ContainerMemoryLimitMiB"/>
    /// a combination Fargate supports). Only with <see cref="ContainerImage"/>. Default: 512.
    /// </summary>
    public double? ContainerCpu { get; init; }

    /// <summary>Memory of a container task in MiB (a combination with <see cref="ContainerCpu"/> that Fargate supports). Only with <see cref="ContainerImage"/>. Default: 1024.</summary>
    public double? ContainerMemoryLimitMiB { get; init; }

    /// <summary>
    /// Fewest running tasks (0-1,000). 0 scales to zero when the queue is empty; one visible message starts a task again
    /// (after the backlog alarm's minute). Only with <see cref="ContainerImage"/>. Default: 0.
    /// </summary>
    public double? ContainerMinCapacity { get; init; }

    /// <summary>Most running tasks (1-1,000, at least <see cref="ContainerMinCapacity"/>). Only with <see cref="ContainerImage"/>. Default: 4.</summary>
    public double? ContainerMaxCapacity { get; init; }

    /// <summary>Weight of FARGATE_SPOT among the capacity providers (0-1,000). Only with <see cref="ContainerImage"/>. Default: 2 (two Spot tasks per on-demand task).</summary>
    public double? ContainerSpotWeight { get; init; }

    /// <summary>Weight of FARGATE (on-demand) among the capacity providers (0-1,000; not 0 together with <see cref="ContainerSpotWeight"/>). Only with <see cref="ContainerImage"/>. Default: 1.</summary>
    public double? ContainerOnDemandWeight { get; init; }

    // 6. The pattern's semantics.

    /// <summary>
    /// The input rule's event pattern. Fields you set replace ours, fields you leave out keep ours, so
    /// <c>new EventPattern { Detail = ... }</c> narrows the default to, for example, car claims. The pattern must
    /// constrain the detail-type and must not match <c>Settlement.Finalized</c>. Default: source <c>fraud.service</c>,
    /// detail-type <c>Fraud.Not.Detected</c>, any detail.
    /// </summary>
    public EventPattern? InputEventPattern { get; init; }

    /// <summary>ISO 4217 code of every amount (three capital letters). Default: USD.</summary>
    public string? Currency { get; init; }

    /// <summary>
    /// The deductible table (1-100 rows, one per document type and damage level). Default: CAR claims only — MINOR 250,
    /// MODERATE 500, SEVERE 1000, TOTAL_LOSS 500; claims of other document types go to the dead-letter queue unsettled.
    /// </summary>
    public IReadOnlyList<Deductible>? Deductibles { get; init; }

    /// <summary>
    /// Keep the bus's Fraud.Not.Detected and Settlement.Finalized events in an EventBridge archive for this long (1-3,650
    /// whole days), for replay. Replaying inputs is safe: a claim already settled is a no-op. Default: no archive.
    /// </summary>
    public Duration? ArchiveRetention { get; init; }

    /// <summary>
    /// Add the REST API: <c>POST /settlements</c> (the same logic and conditional write as the events; 201, 200 on an
    /// identical retry, 409, 400, 422) and <c>GET /settlements/{claimId}</c>, every method IAM-authorized. Default: false.
    /// </summary>
    public bool? EnableRestApi { get; init; }

    /// <summary>
    /// How the REST API is reached: REGIONAL, EDGE, or PRIVATE (only from a VPC, through an <c>execute-api</c> endpoint).
    /// Only with <see cref="EnableRestApi"/>. Default: REGIONAL.
    /// </summary>
    public EndpointType? ApiEndpointType { get; init; }

    /// <summary>Steady-state requests per second the REST API accepts (1-10,000). Only with <see cref="EnableRestApi"/>. Default: 50.</summary>
    public double? ApiRateLimit { get; init; }

    /// <summary>Burst of requests the REST API accepts (1-5,000). Only with <see cref="EnableRestApi"/>. Default: 100.</summary>
    public double? ApiBurstLimit { get; init; }

    /// <summary>
    /// Create the account's API Gateway CloudWatch role (<c>AWS::ApiGateway::Account</c>, one per account and region),
    /// which REST API logging needs. Leave false when your account already has it (most landing zones do); set true once
    /// in an account that never had it. Only with <see cref="EnableRestApi"/>. Default: false.
    /// </summary>
    public bool? ApiCloudWatchRole { get; init; }

    /// <summary>
    /// Brownfield container mode: your settlement service's image (for example <c>ContainerImage.FromEcrRepository</c>)
    /// consumes the work queue on Fargate instead of the bundled function (docs/EventDrivenSettlement.md, "Container
    /// mode", has the contract it must follow). Default: the bundled settlement function.
    /// </summary>
    public ContainerImage? ContainerImage { get; init; }

    /// <summary>
    /// More environment variables for your container (the construct's own — SETTLEMENT_TABLE, SETTLEMENT_RULES,
    /// DEAD_LETTER_QUEUE_URL, MAX_RECEIVE_COUNT, QUEUE_URL, QUEUE_NAME, LOG_LEVEL — cannot be set here). Plain values only: pass secrets
    /// through your task's own secret mechanism. Only with <see cref="ContainerImage"/>. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ContainerEnvironment { get; init; }
}
