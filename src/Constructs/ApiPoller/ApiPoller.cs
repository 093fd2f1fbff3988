using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>
/// Synchronises paginated partner APIs into S3 and SQS at any scale, politely, with exact progress: an IAM-authorized
/// HTTP API (POST /jobs, GET /jobs/{id}, GET /jobs/{id}/tasks) and optional schedules start jobs on configured
/// sources; a Standard workflow plans the pages and fans them out with a Distributed Map of Express children (or
/// follows a cursor); fetchers stream each page to S3 and enqueue a pointer; a consumer processes it. Every page's
/// state lives in a DynamoDB table with monotonic, conditional transitions. See docs/ApiPoller.md.
/// </summary>
public class ApiPoller : Construct
{
    private const string Name = nameof(ApiPoller);

    /// <summary>Default pages per Distributed Map child.</summary>
    public const double DefaultPagesPerBatch = 25;

    /// <summary>Default fetcher timeout.</summary>
    public static readonly Duration DefaultFetcherTimeout = Duration.Minutes(2);

    /// <summary>Default consumer timeout (the work queue's visibility is 6 x this).</summary>
    internal static readonly Duration DefaultConsumerTimeout = Duration.Seconds(60);

    /// <summary>The progress table (job items and per-page states).</summary>
    public ITable Table { get; }

    /// <summary>The payload bucket (plans under <c>jobs/{id}/plan.json</c>, pages under <c>jobs/{id}/pages/</c>).</summary>
    public IBucket Bucket { get; }

    /// <summary>The work queue: one message per fetched page.</summary>
    public IQueue Queue { get; }

    /// <summary>Pages whose processing kept failing; null when disabled.</summary>
    public IQueue? DeadLetterQueue { get; }

    /// <summary>Stream records the pipe could not turn into a started job; null when disabled.</summary>
    public IQueue? PipeDeadLetterQueue { get; }

    /// <summary>Scheduled starts that could not be delivered; null without schedules or when disabled.</summary>
    public IQueue? ScheduleDeadLetterQueue { get; }

    /// <summary>The job workflow (Standard).</summary>
    public IStateMachine StateMachine { get; }

    /// <summary>The job API.</summary>
    public IHttpApi Api { get; }

    /// <summary>Base URL of the job API (<c>https://{id}.execute-api.{region}.amazonaws.com</c>).</summary>
    public string ApiUrl { get; }

    /// <summary>The job API's function.</summary>
    public IFunction JobApiFunction { get; }

    /// <summary>Plans each job (first workflow step).</summary>
    public IFunction PlannerFunction { get; }

    /// <summary>Fetches batches of pages (Distributed Map children).</summary>
    public IFunction PageFetcherFunction { get; }

    /// <summary>Follows cursors.</summary>
    public IFunction CursorFetcherFunction { get; }

    /// <summary>Consumes the work queue.</summary>
    public IFunction ConsumerFunction { get; }

    /// <summary>The user's processor, when one was given.</summary>
    public IFunction? ProcessorFunction { get; }

    /// <summary>The alarms created.</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>Creates the poller.</summary>
    public ApiPoller(Construct scope, string id, ApiPollerProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        ApiPollerValidation.Validate(props);
        var sources = props.Sources!.Select(s => new SourceSettings(s)).ToList();
        var schedules = props.Schedules ?? [];
        var ttlDays = (int)Math.Ceiling((props.JobTtl ?? Duration.Days(7)).ToDays(new TimeConversionOptions { Integral = false }));
        var consumerTimeout = props.ConsumerTimeout ?? DefaultConsumerTimeout;
        var fetcherTimeout = props.FetcherTimeout ?? DefaultFetcherTimeout;
        var deployDeadLetterQueues = props.DeployDeadLetterQueue ?? true;
        var maxReceiveCount = props.MaxReceiveCount ?? 3;
        EmitWarnings(props);

        // Resources: existing or created through the Core builders.
        Table = props.ExistingTable ?? CreateTable(props);
        Bucket = props.ExistingBucket ?? CreateBucket(props, ttlDays);
        DeadLetterQueue = deployDeadLetterQueues ? SecureQueue.CreateDeadLetterQueue(this, "DeadLetterQueue") : null;
        var queue = SecureQueue.Create(this, "Queue", props.QueueProps, consumerTimeout, DeadLetterQueue, maxReceiveCount, Name);
        Queue = queue;
        PipeDeadLetterQueue = deployDeadLetterQueues ? SecureQueue.CreateDeadLetterQueue(this, "PipeDeadLetterQueue") : null;
        ScheduleDeadLetterQueue = deployDeadLetterQueues && schedules.Count > 0 ? SecureQueue.CreateDeadLetterQueue(this, "ScheduleDeadLetterQueue") : null;
        ProcessorFunction = props.ExistingProcessorFunction;

        // Bundled handlers.
        var common = new Dictionary<string, string>
        {
            ["TABLE_NAME"] = Table.TableName,
            [ApiPollerValidation.SourcesVariable] = SourceSettings.ToEnvironmentValue(sources),
            ["JOB_TTL_DAYS"] = ttlDays.ToString(CultureInfo.InvariantCulture),
        };
        var withBucket = With(common, ("PAYLOAD_BUCKET", Bucket.BucketName));
        var pagesPerBatch = props.PagesPerBatch ?? DefaultPagesPerBatch;
        var plannerTimeout = props.PlannerTimeout ?? Duration.Minutes(2);
        JobApiFunction = Function(props, "JobApiFunction", BundledHandlers.ApiPollerJobApi, "ApiPoller job API: starts jobs on configured sources and reports their progress.",
            props.ApiMemorySize, Duration.Seconds(10), common);
        PlannerFunction = Function(props, "PlannerFunction", BundledHandlers.ApiPollerJobPlanner, "ApiPoller planner: registers a job and writes its page manifest.",
            props.PlannerMemorySize, plannerTimeout,
            With(withBucket, ("PAGES_PER_BATCH", Text(pagesPerBatch)), ("FUNCTION_TIMEOUT_SECONDS", Text(plannerTimeout.ToSeconds()))));
        var fetcherEnvironment = With(withBucket, ("QUEUE_URL", Queue.QueueUrl), ("PAGES_PER_BATCH", Text(pagesPerBatch)),
            ("FUNCTION_TIMEOUT_SECONDS", Text(fetcherTimeout.ToSeconds())));
        PageFetcherFunction = Function(props, "PageFetcherFunction", BundledHandlers.ApiPollerPageFetcher, "ApiPoller page fetcher: streams a batch of pages to S3 and enqueues them.",
            props.FetcherMemorySize, fetcherTimeout, fetcherEnvironment);
        CursorFetcherFunction = Function(props, "CursorFetcherFunction", BundledHandlers.ApiPollerCursorFetcher, "ApiPoller cursor fetcher: follows a partner's cursor page by page.",
            props.FetcherMemorySize, fetcherTimeout, fetcherEnvironment);
        var consumerEnvironment = With(withBucket, ("MAX_RECEIVE_COUNT", Text(maxReceiveCount)));
        if (DeadLetterQueue is not null)
        {
            consumerEnvironment["DEAD_LETTER_QUEUE_URL"] = DeadLetterQueue.QueueUrl;
        }

        if (ProcessorFunction is not null)
        {
            consumerEnvironment["PROCESSOR_FUNCTION_ARN"] = ProcessorFunction.FunctionArn;
        }

        ConsumerFunction = Function(props, "ConsumerFunction", BundledHandlers.ApiPollerTaskConsumer, "ApiPoller consumer: processes each fetched page and records its completion.",
            props.ConsumerMemorySize, consumerTimeout, consumerEnvironment);

        // Wiring: the workflow, what starts it, the API, the consumer.
        var stateMachine = CreateStateMachine(props, pagesPerBatch);
        StateMachine = stateMachine;
        _ = JobStarters.Pipe(this, Table, stateMachine, PipeDeadLetterQueue);
        _ = JobStarters.Schedules(this, schedules, stateMachine, ScheduleDeadLetterQueue);
        var api = JobsHttpApi.Create(this, JobApiFunction, props.ApiAuthorization ?? ApiAuthorization.Iam,
            props.ApiRateLimit ?? 50, props.ApiBurstLimit ?? 100, props.LogRetention ?? RetentionDays.THREE_MONTHS);
        Api = api;
        ApiUrl = api.ApiEndpoint;
        ConsumerFunction.AddEventSource(new SqsEventSource(queue, new SqsEventSourceProps
        {
            BatchSize = 10,
            ReportBatchItemFailures = true,
            MaxConcurrency = props.ConsumerMaxConcurrency ?? 10,
        }));

        GrantLeastPrivilege(sources);
        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props) : [];
        Suppressions.Apply(this, stateMachine, [PlannerFunction, PageFetcherFunction, CursorFetcherFunction],
            [JobApiFunction, PlannerFunction, PageFetcherFunction, CursorFetcherFunction, ConsumerFunction], props.EnableTracing ?? false);
        if (props.ApiAuthorization == ApiAuthorization.None)
        {
            Suppressions.PublicRoutes(api, "ApiAuthorization is None by the user's explicit choice (a warning says so at synth).");
        }
    }

    /// <summary>
    /// The longest one fetch task can take in the worst case: every attempt of its Lambda retry policy runs for the
    /// whole <paramref name="fetcherTimeout"/>, and every backoff delay is at its ceiling.
    /// </summary>
    public static double WorstFetchSeconds(Duration fetcherTimeout) => TaskRetries.WorstCaseSeconds(TaskRetries.Lambda(), fetcherTimeout);

    /// <summary>Lets <paramref name="grantee"/> start jobs (execute-api:Invoke on POST /jobs).</summary>
    public Grant GrantStartJobs(IGrantable grantee) => GrantInvoke(grantee, "POST", "/jobs");

    /// <summary>
    /// Lets <paramref name="grantee"/> read the jobs it started and their tasks (execute-api:Invoke on <c>GET /jobs/*</c>).
    /// A job is shown to the principal that posted it only (for an assumed role: any session of that role); to anyone
    /// else it is unknown (404). Scheduled jobs have no creator: read them with <see cref="GrantReadAllJobs"/>.
    /// </summary>
    public Grant GrantReadJobs(IGrantable grantee) => GrantInvoke(grantee, "GET", "/jobs/*");

    /// <summary>
    /// Lets <paramref name="grantee"/> read every job and its tasks, whoever started it, scheduled jobs included
    /// (execute-api:Invoke on <c>GET /admin/jobs/*</c>: <c>/admin/jobs/{id}</c> and <c>/admin/jobs/{id}/tasks</c>).
    /// Status and page states only, never payloads; grant it to operators and dashboards, narrowly.
    /// </summary>
    public Grant GrantReadAllJobs(IGrantable grantee) => GrantInvoke(grantee, "GET", "/admin/jobs/*");

    /// <summary>Jobs whose workflow failed (sum over five minutes by default).</summary>
    public Metric MetricFailedExecutions(IMetricOptions? options = null) => StateMachine.MetricFailed(options ?? AlarmFactory.Sum5Min);

    /// <summary>Jobs whose workflow ran longer than <see cref="ApiPollerProps.JobTimeout"/> (sum over five minutes by default).</summary>
    public Metric MetricTimedOutExecutions(IMetricOptions? options = null) => StateMachine.MetricTimedOut(options ?? AlarmFactory.Sum5Min);

    /// <summary>Pages waiting in the dead-letter queue; null without one.</summary>
    public Metric? MetricDeadLetterMessages(IMetricOptions? options = null) =>
        DeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Job starts the pipe could not deliver; null without its dead-letter queue.</summary>
    public Metric? MetricPipeDeadLetterMessages(IMetricOptions? options = null) =>
        PipeDeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Scheduled starts that could not be delivered; null without schedules or dead-letter queues.</summary>
    public Metric? MetricScheduleDeadLetterMessages(IMetricOptions? options = null) =>
        ScheduleDeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    /// <summary>Consumer errors (sum over five minutes by default).</summary>
    public Metric MetricConsumerErrors(IMetricOptions? options = null) => ConsumerFunction.MetricErrors(options ?? AlarmFactory.Sum5Min);

    /// <summary>Age of the oldest page waiting to be processed (maximum over one minute by default).</summary>
    public Metric MetricBacklogAge(IMetricOptions? options = null) => Queue.MetricApproximateAgeOfOldestMessage(options ?? AlarmFactory.Max1Min);

    /// <summary>Throttles of all the poller's functions together (sum over five minutes).</summary>
    public IMetric MetricFunctionThrottles() => new MathExpression(new MathExpressionProps
    {
        Expression = "api + planner + pages + cursor + consumer",
        UsingMetrics = new Dictionary<string, IMetric>
        {
            ["api"] = JobApiFunction.MetricThrottles(AlarmFactory.Sum5Min),
            ["planner"] = PlannerFunction.MetricThrottles(AlarmFactory.Sum5Min),
            ["pages"] = PageFetcherFunction.MetricThrottles(AlarmFactory.Sum5Min),
            ["cursor"] = CursorFetcherFunction.MetricThrottles(AlarmFactory.Sum5Min),
            ["consumer"] = ConsumerFunction.MetricThrottles(AlarmFactory.Sum5Min),
        },
        Label = "Throttles of the ApiPoller functions",
        Period = Duration.Minutes(5),
    });

    private Grant GrantInvoke(IGrantable grantee, string method, string path) => Grant.AddToPrincipal(new GrantOnPrincipalOptions
    {
        Grantee = grantee,
        Actions = ["execute-api:Invoke"],
        ResourceArns = [Api.ArnForExecuteApi(method, path, "$default")],
    });

    private Table CreateTable(ApiPollerProps props)
    {
        // The key schema, TTL attribute and stream are the contract with the handlers and the pipe: they win over overrides.
        var fixedShape = new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
            SortKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "sk", Type = AttributeType.STRING },
            TimeToLiveAttribute = "expiresAt",
            Stream = StreamViewType.NEW_IMAGE,
        };
        var overrides = PropsMerger.Merge(props.TableProps ?? new TableProps(), fixedShape);
        var defaults = new TableProps
        {
            Encryption = props.TableEncryptionKey is null ? TableEncryption.AWS_MANAGED : TableEncryption.CUSTOMER_MANAGED,
            EncryptionKey = props.TableEncryptionKey,
        };
        return SecureTable.Create(this, "Table", defaults, overrides, Name);
    }

    private Bucket CreateBucket(ApiPollerProps props, int ttlDays)
    {
        var overrides = PropsMerger.Merge(new BucketProps(), props.BucketProps);
        overrides.LifecycleRules ??=
        [
            .. SecureBucket.Defaults(props.BucketEncryptionKey).LifecycleRules!,
            Expire("ExpireJobObjects", "jobs/", ttlDays),
            Expire("ExpireMapResults", Orchestrator.MapResultsPrefix, ttlDays),
        ];
        return SecureBucket.Create(this, "Bucket", overrides, props.BucketEncryptionKey, Name);

        static LifecycleRule Expire(string id, string prefix, int days) => new()
        {
            Id = id,
            Prefix = prefix,
            Expiration = Duration.Days(days),
            NoncurrentVersionExpiration = Duration.Days(1),
        };
    }

    private Function Function(ApiPollerProps props, string id, BundledHandler handler, string description, double? memory, Duration timeout,
        IReadOnlyDictionary<string, string> environment)
    {
        ApiPollerValidation.ValidateEnvironment(props.Sources!, id, With(environment, ("LOG_LEVEL", props.LogLevel ?? "INFO")));
        return HandlerFunctions.CreateBundled(this, id, handler, new FunctionSettings
        {
            Description = description,
            MemorySize = memory ?? 512,
            Timeout = timeout,
            Environment = environment,
            LogLevel = props.LogLevel ?? "INFO",
            Tracing = props.EnableTracing ?? false,
            LogRetention = props.LogRetention ?? RetentionDays.THREE_MONTHS,
        });
    }

    private StateMachine CreateStateMachine(ApiPollerProps props, double pagesPerBatch)
    {
        var definition = Orchestrator.Define(this, new OrchestratorTargets(PlannerFunction, PageFetcherFunction, CursorFetcherFunction, Table, Bucket, pagesPerBatch));
        var stateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            Comment = "ApiPoller job workflow (Standard): plan, fan out or follow the cursor, complete.",
            DefinitionBody = DefinitionBody.FromChainable(definition),
            StateMachineType = StateMachineType.STANDARD,
            Timeout = props.JobTimeout ?? Duration.Hours(24),
            TracingEnabled = props.EnableTracing ?? false,
            Logs = StateMachineLogging.Create(this, "StateMachineLogs", props.StateMachineLogLevel ?? LogLevel.ERROR,
                props.LogRetention ?? RetentionDays.THREE_MONTHS),
        });

        // ContinueAsNew starts this very state machine. Granting it through the role's default policy would make the
        // state machine depend on a policy that names the state machine: a separate policy breaks the cycle.
        var continueAsNew = new Policy(this, "ContinueAsNewPolicy", new PolicyProps
        {
            Statements =
            [
                new Amazon.CDK.AWS.IAM.PolicyStatement(new PolicyStatementProps
                {
                    Actions = ["states:StartExecution"],
                    Resources = [stateMachine.StateMachineArn],
                }),
            ],
        });
        continueAsNew.AttachToRole(stateMachine.Role);
        return stateMachine;
    }

    private void GrantLeastPrivilege(IReadOnlyList<SourceSettings> sources)
    {
        ProgressTable.Grant(JobApiFunction, Table, ProgressTable.ApiActions);
        ProgressTable.Grant(PlannerFunction, Table, ProgressTable.WriterActions);
        ProgressTable.Grant(PageFetcherFunction, Table, ProgressTable.WriterActions);
        ProgressTable.Grant(CursorFetcherFunction, Table, ProgressTable.WriterActions);
        ProgressTable.Grant(ConsumerFunction, Table, ProgressTable.WriterActions);

        var planWrite = LeastPrivilege.WriteObjects(PlannerFunction, Bucket, "jobs/");
        var pagesWrite = LeastPrivilege.WriteObjects(PageFetcherFunction, Bucket, "jobs/*/pages/");
        _ = LeastPrivilege.WriteObjects(CursorFetcherFunction, Bucket, "jobs/*/pages/");
        var pagesRead = LeastPrivilege.ReadObjects(ConsumerFunction, Bucket, "jobs/*/pages/");
        Queue.GrantSendMessages(PageFetcherFunction);
        Queue.GrantSendMessages(CursorFetcherFunction);
        DeadLetterQueue?.GrantSendMessages(ConsumerFunction);
        if (ProcessorFunction is not null)
        {
            // The consumer invokes the unqualified ARN it is given; GrantInvoke would add every version and alias (':*').
            ConsumerFunction.AddToRolePolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new PolicyStatementProps
            {
                Actions = ["lambda:InvokeFunction"],
                Resources = [ProcessorFunction.FunctionArn],
            }));
        }

        foreach (var secret in sources.Select(s => s.Source.AuthSecret).OfType<Amazon.CDK.AWS.SecretsManager.ISecret>().Distinct())
        {
            secret.GrantRead(PlannerFunction);
            secret.GrantRead(PageFetcherFunction);
            secret.GrantRead(CursorFetcherFunction);
        }

        CommonSuppressions.OnRolePolicy(PlannerFunction, planWrite);
        CommonSuppressions.OnRolePolicy(PageFetcherFunction, pagesWrite);
        CommonSuppressions.OnRolePolicy(CursorFetcherFunction, pagesWrite);
        CommonSuppressions.OnRolePolicy(ConsumerFunction, pagesRead);
        CommonSuppressions.SqsEventSources(ConsumerFunction);
        CdkHelperFunctions.Harden(this);
    }

    private List<IAlarm> CreateAlarms(ApiPollerProps props)
    {
        var alarms = new AlarmFactory(this, props.AlarmTopic);
        alarms.AtLeast("FailedExecutionsAlarm", MetricFailedExecutions(), 1, "A job's workflow failed; the job item says why (status FAILED, error).");
        alarms.AtLeast("TimedOutExecutionsAlarm", MetricTimedOutExecutions(), 1, "A job's workflow ran longer than JobTimeout and was stopped.");
        alarms.AtLeast("ConsumerErrorsAlarm", MetricConsumerErrors(), 1, "The consumer reported errors; failed pages are retried, then recorded PROCESSING_FAILED.");
        alarms.AtLeast("FunctionThrottlesAlarm", MetricFunctionThrottles(), 1, "An ApiPoller function was throttled by Lambda.");
        if (MetricDeadLetterMessages() is { } dead)
        {
            alarms.AtLeast("DeadLetterQueueAlarm", dead, 1, "A page kept failing and waits in the dead-letter queue.");
        }

        if (MetricPipeDeadLetterMessages() is { } pipe)
        {
            alarms.AtLeast("PipeDeadLetterQueueAlarm", pipe, 1, "A requested job could not be started by the pipe; its stream record waits in the pipe's dead-letter queue.");
        }

        if (MetricScheduleDeadLetterMessages() is { } schedule)
        {
            alarms.AtLeast("ScheduleDeadLetterQueueAlarm", schedule, 1, "A scheduled job could not be started; the start waits in the scheduler's dead-letter queue.");
        }

        return alarms.Alarms.ToList();
    }

    private void EmitWarnings(ApiPollerProps props)
    {
        foreach (var source in props.Sources!.Where(s => s.AllowInsecureHttp == true))
        {
            Warnings.Add(this, Name, "insecureHttp",
                $"Source \"{source.Name}\" allows plain http: its pages (and any auth header) may cross the network unencrypted.");
        }

        if (props.DeployDeadLetterQueue == false)
        {
            Warnings.Add(this, Name, "noDeadLetterQueue",
                "DeployDeadLetterQueue is false: a page that keeps failing is recorded PROCESSING_FAILED and dropped, and a job start the pipe or scheduler cannot deliver is lost.");
        }

        if (props.ApiAuthorization == ApiAuthorization.None)
        {
            Warnings.Add(this, Name, "apiWithoutAuthorization",
                "ApiAuthorization is None: anyone who knows the URL can start jobs against your partners and read their progress.");
        }

        if (props.StateMachineLogLevel == LogLevel.OFF)
        {
            Warnings.Add(this, Name, "workflowLogsOff", "StateMachineLogLevel is OFF: failed jobs leave no workflow log.");
        }
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> environment, params (string Key, string Value)[] more)
    {
        var result = new Dictionary<string, string>(environment);
        foreach (var (key, value) in more)
        {
            result[key] = value;
        }

        return result;
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
