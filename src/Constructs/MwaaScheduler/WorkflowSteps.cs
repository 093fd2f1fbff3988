using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>What the workflows call and how long they may wait.</summary>
internal sealed record WorkflowTargets(
    string EnvironmentName, string EnvironmentArn, IFunction DagRuns, IFunction BackupCatalog, IFunction Lock, ITopic Topic,
    Duration PollInterval, Duration ExportTimeout, Duration ImportTimeout, Duration EnvironmentTimeout,
    bool NotifyOnSuccess, bool AllowPauseWithoutMetadata, bool UpdateAfterRestore);

/// <summary>
/// The pieces both workflows share, named as design section 2 fixes them (the local Step Functions runs bind the names):
/// <c>Init</c>, the lock, the failure tail (<c>Failed&lt;Step&gt;</c> → <c>NotifyFailure</c> → <c>ReleaseLockAfterFailure</c> →
/// <c>WorkflowFailed</c>), the success tail (<c>[NotifySuccess]</c> → <c>ReleaseLock</c> → <c>Done</c>) and the poll loops.
/// Every failure leaves <c>$.failure = {step, error: {Error, Cause}}</c>; every Task retries its service's transient
/// errors with full jitter, has its own timeout and catches everything else into the failure tail.
/// </summary>
internal sealed class WorkflowSteps
{
    /// <summary>Transient errors of the <c>aws-sdk:mwaa</c> integration (names per the SDK-integration rule <c>&lt;Service&gt;.&lt;Exception&gt;</c>; unverified for MWAA).</summary>
    public static readonly string[] MwaaErrors = ["Mwaa.InternalServerException", "Mwaa.ThrottlingException", "Mwaa.SdkClientException", "Mwaa.MwaaException"];

    /// <summary>The error GetEnvironment reports for an environment that does not exist (a paused one).</summary>
    public const string MwaaNotFound = "Mwaa.ResourceNotFoundException";

    /// <summary>Timeout of one MWAA control-plane call.</summary>
    public static readonly Duration MwaaCallTimeout = Duration.Seconds(60);

    /// <summary>Timeout of one SNS publish.</summary>
    public static readonly Duration PublishTimeout = Duration.Seconds(30);

    private readonly Construct _scope;
    private readonly WorkflowTargets _t;
    private readonly string _workflow;

    public WorkflowSteps(Construct scope, WorkflowTargets targets, string workflow, double lockTtlSeconds)
    {
        _scope = scope;
        _t = targets;
        _workflow = workflow;
        LockTtlSeconds = lockTtlSeconds;
        var title = char.ToUpperInvariant(workflow[0]) + workflow[1..];
        WorkflowFailed = new Fail(scope, "WorkflowFailed", new FailProps
        {
            Comment = "The workflow failed; the notification says at which step and why.",
            Error = $"MwaaScheduler.{title}Failed",
            CausePath = "$.failure.error.Cause",
        });
        var releaseAfterFailure = Lambda("ReleaseLockAfterFailure", targets.Lock, ReleasePayload(), "$.release", LockTimeout, TaskRetries.Lambda());
        releaseAfterFailure.AddCatch(WorkflowFailed, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.releaseError" });
        releaseAfterFailure.Next(WorkflowFailed);
        var notifyFailure = Publish("NotifyFailure", $"{workflow} failed", new Dictionary<string, object>
        {
            ["environment"] = targets.EnvironmentName,
            ["workflow"] = workflow,
            ["step.$"] = "$.failure.step",
            ["error.$"] = "$.failure.error.Error",
            ["cause.$"] = "$.failure.error.Cause",
            ["backupPrefix.$"] = "$.context.backupPrefix",
            ["execution.$"] = "$$.Execution.Id",
        });
        notifyFailure.AddCatch(releaseAfterFailure, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.notifyError" });
        notifyFailure.Next(releaseAfterFailure);
        NotifyFailure = notifyFailure;
    }

    /// <summary>How long the lock lives without a release: the workflow's own timeout.</summary>
    public double LockTtlSeconds { get; }

    /// <summary>The start of the failure tail.</summary>
    public IChainable NotifyFailure { get; }

    /// <summary>The workflow's Fail state.</summary>
    public Fail WorkflowFailed { get; }

    /// <summary>Lock calls: 10 s function, 30 s per attempt.</summary>
    public static readonly Duration LockTimeout = Duration.Seconds(30);

    /// <summary>DagRuns calls: 30 s function, 60 s per attempt.</summary>
    public static readonly Duration DagRunsTimeout = Duration.Seconds(60);

    /// <summary>BackupCatalog calls: 5 min function, 330 s per attempt.</summary>
    public static readonly Duration CatalogTimeout = Duration.Seconds(330);

    /// <summary>Airflow busy or unreachable: 4 retries from 10 s, each delay at most 60 s.</summary>
    public static RetryProps AirflowUnavailable() => TaskRetries.Policy(["AirflowUnavailable"], Duration.Seconds(10), 4, Duration.Seconds(60));

    /// <summary>A DAG Airflow has not parsed yet: 6 retries from 30 s.</summary>
    public static RetryProps DagNotFound() => TaskRetries.Policy(["DagNotFound"], Duration.Seconds(30), 6, Duration.Seconds(120));

    /// <summary>MWAA control-plane calls: 6 retries from 5 s, each delay at most 60 s.</summary>
    public static RetryProps Mwaa() => TaskRetries.Policy(MwaaErrors, Duration.Seconds(5), 6, Duration.Seconds(60));

    /// <summary>
    /// SNS publishes: 3 retries from 2 s on any task failure (a duplicate notification is harmless). States.TaskFailed
    /// never matches States.Timeout, so a publish that timed out is retried by <see cref="TaskRetries.Timeout"/> as well
    /// (<see cref="Publish"/>): without it one slow publish ended a failed run with no notification at all (found by the
    /// conservation run under faults, tools/sfn/conservation.mjs).
    /// </summary>
    public static RetryProps Sns() => TaskRetries.Policy(["States.TaskFailed"], Duration.Seconds(2), 3, Duration.Seconds(20));

    /// <summary><c>Init</c>: builds <c>$.context</c> (the input stays as it is).</summary>
    public Pass Init(IDictionary<string, object>? extra = null)
    {
        var context = new Dictionary<string, object>
        {
            ["environmentName"] = _t.EnvironmentName,
            ["backupPrefix"] = "none",
            ["owner.$"] = "$$.Execution.Id",
            ["operation"] = _workflow,
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, object>())
        {
            context[k] = v;
        }

        return new Pass(_scope, "Init", new PassProps
        {
            Comment = "Builds $.context: the environment, the lock owner (this execution) and the operation.",
            Parameters = context,
            ResultPath = "$.context",
        });
    }

    /// <summary><c>AcquireLock</c>, with <c>LockHeld</c> → <c>NotifyLockHeld</c> → <c>LockHeld</c> (nothing to release).</summary>
    public LambdaInvoke AcquireLock()
    {
        var lockHeld = new Fail(_scope, "LockHeld", new FailProps
        {
            Comment = "Another pause or resume holds the lock; nothing was changed.",
            Error = "LockHeld",
            CausePath = "$.lockError.Cause",
        });
        var notifyLockHeld = Publish("NotifyLockHeld", $"{_workflow} refused (locked)", new Dictionary<string, object>
        {
            ["environment"] = _t.EnvironmentName,
            ["workflow"] = _workflow,
            ["step"] = "AcquireLock",
            ["error"] = "LockHeld",
            ["cause.$"] = "$.lockError.Cause",
            ["backupPrefix.$"] = "$.context.backupPrefix",
            ["execution.$"] = "$$.Execution.Id",
        });
        notifyLockHeld.AddCatch(lockHeld, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.notifyError" });
        notifyLockHeld.Next(lockHeld);

        var acquire = Lambda("AcquireLock", _t.Lock, new Dictionary<string, object>
        {
            ["action"] = "acquire",
            ["lockName"] = _t.EnvironmentName,
            ["owner.$"] = "$.context.owner",
            ["operation.$"] = "$.context.operation",
            ["ttlSeconds"] = LockTtlSeconds,
        }, "$.lock", LockTimeout, TaskRetries.Lambda(), TaskRetries.Timeout());
        acquire.AddCatch(notifyLockHeld, new CatchProps { Errors = ["LockHeld"], ResultPath = "$.lockError" });
        return CatchAll(acquire);
    }

    /// <summary>The success tail: <c>[NotifySuccess]</c> → <c>ReleaseLock</c> → <c>Done</c>; returns its first state.</summary>
    public (IChainable WithNotification, IChainable ReleaseLock) SuccessTail()
    {
        var done = new Succeed(_scope, "Done");
        var release = Lambda("ReleaseLock", _t.Lock, ReleasePayload(), "$.release", LockTimeout, TaskRetries.Lambda(), TaskRetries.Timeout());
        CatchAll(release).Next(done);
        if (!_t.NotifyOnSuccess)
        {
            return (release, release);
        }

        var notify = Publish("NotifySuccess", $"{_workflow} succeeded", new Dictionary<string, object>
        {
            ["environment"] = _t.EnvironmentName,
            ["workflow"] = _workflow,
            ["outcome.$"] = "$.outcome.outcome",
            ["backupPrefix.$"] = "$.context.backupPrefix",
            ["execution.$"] = "$$.Execution.Id",
        });
        CatchAll(notify).Next(release);
        return (notify, release);
    }

    /// <summary>A Pass that records an outcome (<c>$.outcome</c>).</summary>
    public Pass Outcome(string id, string outcome, string comment) => new(_scope, id, new PassProps
    {
        Comment = comment,
        Result = Result.FromObject(new Dictionary<string, object> { ["outcome"] = outcome }),
        ResultPath = "$.outcome",
    });

    /// <summary>
    /// A failure decided by the workflow itself: a Pass <paramref name="id"/> that sets <c>$.failure</c> and goes to
    /// <c>NotifyFailure</c>. <paramref name="cause"/> is a literal, or a JSONPath/intrinsic when <paramref name="causeIsPath"/>.
    /// </summary>
    public Pass Failure(string id, string step, string error, string cause, bool causeIsPath, string comment)
    {
        var pass = new Pass(_scope, id, new PassProps
        {
            Comment = comment,
            Parameters = new Dictionary<string, object>
            {
                ["step"] = step,
                ["error"] = new Dictionary<string, object> { ["Error"] = error, [causeIsPath ? "Cause.$" : "Cause"] = cause },
            },
            ResultPath = "$.failure",
        });
        pass.Next(NotifyFailure);
        return pass;
    }

    /// <summary>Catches every error of <paramref name="task"/> into <c>Failed&lt;Step&gt;</c> → <c>NotifyFailure</c>.</summary>
    public T CatchAll<T>(T task)
        where T : TaskStateBase
    {
        var step = task.Node.Id;
        var failed = new Pass(_scope, "Failed" + step, new PassProps
        {
            Comment = $"{step} failed: record the step, then notify.",
            Result = Result.FromString(step),
            ResultPath = "$.failure.step",
        });
        failed.Next(NotifyFailure);
        task.AddCatch(failed, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.failure.error" });
        return task;
    }

    /// <summary>A bundled function called with <paramref name="payload"/>; its JSON response is the result.</summary>
    public LambdaInvoke Lambda(string id, IFunction function, IDictionary<string, object> payload, string resultPath, Duration timeout,
        params RetryProps[] retries) => Lambda(id, function, payload, resultPath, null, timeout, retries);

    /// <summary>A bundled function with a result selector.</summary>
    public LambdaInvoke Lambda(string id, IFunction function, IDictionary<string, object> payload, string resultPath,
        IDictionary<string, object>? resultSelector, Duration timeout, params RetryProps[] retries) =>
        TaskRetries.With(new LambdaInvoke(_scope, id, new LambdaInvokeProps
        {
            LambdaFunction = function,
            Payload = TaskInput.FromObject(payload),
            PayloadResponseOnly = true,
            RetryOnServiceExceptions = false,
            ResultSelector = resultSelector,
            ResultPath = resultPath,
            TaskTimeout = Amazon.CDK.AWS.StepFunctions.Timeout.Duration(timeout),
        }), retries);

    /// <summary>An <c>aws-sdk:mwaa</c> call on this environment only.</summary>
    public CallAwsService Mwaa(string id, string action, string iamAction, IDictionary<string, object> parameters, string resultPath,
        IDictionary<string, object>? resultSelector, bool idempotent)
    {
        var task = new CallAwsService(_scope, id, new CallAwsServiceProps
        {
            Service = "mwaa",
            Action = action,
            IamAction = iamAction,
            IamResources = [_t.EnvironmentArn],
            Parameters = parameters,
            ResultSelector = resultSelector,
            ResultPath = resultPath,
            TaskTimeout = Amazon.CDK.AWS.StepFunctions.Timeout.Duration(MwaaCallTimeout),
        });
        task.AddRetry(Mwaa());
        if (idempotent)
        {
            task.AddRetry(TaskRetries.Timeout());
        }

        return task;
    }

    /// <summary>GetEnvironment of this environment into <paramref name="resultPath"/> (<c>{Environment}</c>).</summary>
    public CallAwsService GetEnvironment(string id, string resultPath) =>
        Mwaa(id, "getEnvironment", "airflow:GetEnvironment", new Dictionary<string, object> { ["Name"] = _t.EnvironmentName }, resultPath,
            new Dictionary<string, object> { ["Environment.$"] = "$.Environment" }, idempotent: true);

    /// <summary>A DagRuns call: trigger or status of one run.</summary>
    public LambdaInvoke DagRun(string id, string action, string dagId, string runIdPath, string? confPath, string resultPath,
        IDictionary<string, object>? resultSelector)
    {
        var payload = new Dictionary<string, object> { ["action"] = action, ["dagId"] = dagId, ["runId.$"] = runIdPath };
        if (confPath is not null)
        {
            payload["conf.$"] = confPath;
        }

        var retries = action == "trigger"
            ? new[] { TaskRetries.Lambda(), DagNotFound(), AirflowUnavailable(), TaskRetries.Timeout() }
            : [TaskRetries.Lambda(), AirflowUnavailable(), TaskRetries.Timeout()];
        return CatchAll(Lambda(id, _t.DagRuns, payload, resultPath, resultSelector, DagRunsTimeout, retries));
    }

    /// <summary>
    /// A poll loop: <c>WaitFor&lt;name&gt;</c> (Wait PollInterval) → <paramref name="poll"/> …; the returned count state
    /// adds one to <c>$.poll.count</c> and the "left" Choice fails with <paramref name="timeoutError"/> once the count
    /// reaches <paramref name="timeout"/> / PollInterval, else waits again. The task that starts the loop resets the count.
    /// </summary>
    public (Wait Wait, Pass Count) PollLoop(string name, IChainable poll, Duration timeout, string timeoutError, string step)
    {
        var wait = new Wait(_scope, "WaitFor" + name, new WaitProps { Time = WaitTime.Duration(_t.PollInterval) });
        wait.Next(poll);
        var max = MaxPolls(timeout);
        var timedOut = Failure($"Failed{name}Timeout", step, timeoutError,
            $"no result after {max} checks, {PropsValidator.Seconds(timeout)} s", causeIsPath: false,
            comment: $"Gave up waiting ({timeout.ToHumanString()}).");
        var left = new Choice(_scope, name + "PollsLeft")
            .When(Condition.NumberGreaterThanEquals("$.poll.count", max), timedOut)
            .Otherwise(wait);
        var count = new Pass(_scope, "Count" + name + "Poll", new PassProps
        {
            Parameters = new Dictionary<string, object> { ["count.$"] = "States.MathAdd($.poll.count, 1)" },
            ResultPath = "$.poll",
        });
        count.Next(left);
        return (wait, count);
    }

    /// <summary>How many checks fit in <paramref name="timeout"/>.</summary>
    public double MaxPolls(Duration timeout) => Math.Ceiling(PropsValidator.Seconds(timeout) / PropsValidator.Seconds(_t.PollInterval));

    /// <summary>The result selector that resets the poll count (the loop's starting task's output is not needed).</summary>
    public static Dictionary<string, object> ResetPoll() => new() { ["count"] = 0 };

    private Dictionary<string, object> ReleasePayload() => new()
    {
        ["action"] = "release",
        ["lockName"] = _t.EnvironmentName,
        ["owner.$"] = "$.context.owner",
    };

    private SnsPublish Publish(string id, string what, IDictionary<string, object> message)
    {
        var subject = $"MwaaScheduler {_t.EnvironmentName}: {what}";
        if (subject.Length > 99)
        {
            subject = $"MwaaScheduler: {what}"; // SNS subjects end at 100 characters; the message names the environment.
        }

        var publish = new SnsPublish(_scope, id, new SnsPublishProps
        {
            Topic = _t.Topic,
            Subject = subject,
            Message = TaskInput.FromObject(message),
            ResultPath = JsonPath.DISCARD,
            TaskTimeout = Amazon.CDK.AWS.StepFunctions.Timeout.Duration(PublishTimeout),
        });
        publish.AddRetry(Sns());
        publish.AddRetry(TaskRetries.Timeout());
        return publish;
    }
}
