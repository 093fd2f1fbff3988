using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>The functions and resources the orchestrator's states call.</summary>
internal sealed record OrchestratorTargets(IFunction Planner, IFunction PageFetcher, IFunction CursorFetcher, ITable Table, IBucket Bucket, double PagesPerBatch);

/// <summary>
/// The states of the job workflow, named exactly as docs/ApiPoller-contract.md fixes them (the local-execution tests
/// drive them by name). Every task retries its service's transient errors with full jitter; every task that calls a
/// service catches what is left and records the failure on the job before failing.
/// </summary>
internal static class Orchestrator
{
    /// <summary>Cursor iterations one execution runs before it continues as a new execution (bounds its history).</summary>
    public const int ContinueAsNewAfter = 500;

    /// <summary>Prefix of the Distributed Map's result files in the payload bucket.</summary>
    public const string MapResultsPrefix = "map-results/";

    /// <summary>Express stops an execution after 5 minutes, silently for the batch: nothing after that runs.</summary>
    public const double ExpressLimitSeconds = 300;

    /// <summary>
    /// How long a batch child may fetch, from its start (<c>$$.Execution.StartTime</c>). The fetcher's time box ends at
    /// this deadline; when pages remain and no page fits any more the child records the batch as failed. The rest of the
    /// 5 minutes is the tail's: the retries of the last FetchBatch (<see cref="BatchFetchRetry"/>) and RecordBatchFailure
    /// (<see cref="BatchRecordRetry"/>), whose worst case the construct tests add up.
    /// </summary>
    public const double BatchBudgetSeconds = 180;

    /// <summary>FetchBatch in a child: 3 retries from 1 s, each delay at most 4 s (7 s of backoff in all).</summary>
    public static RetryProps BatchFetchRetry() => TaskRetries.Policy(TaskRetries.LambdaErrors, Duration.Seconds(1), 3, Duration.Seconds(4));

    /// <summary>RecordBatchFailure: 4 retries from 1 s, each delay at most 8 s (15 s of backoff in all).</summary>
    public static RetryProps BatchRecordRetry() => TaskRetries.Policy(TaskRetries.DynamoDbErrors, Duration.Seconds(1), 4, Duration.Seconds(8));

    /// <summary>Builds the definition; states are children of <paramref name="scope"/>.</summary>
    public static IChainable Define(Construct scope, OrchestratorTargets t)
    {
        var jobFailed = new Fail(scope, "JobFailed", new FailProps
        {
            Comment = "The job could not be fetched; its item says why (status FAILED, error).",
            ErrorPath = "$.error.Error",
            CausePath = "$.error.Cause",
        });
        var recordJobFailure = TaskRetries.With(new DynamoUpdateItem(scope, "RecordJobFailure", new DynamoUpdateItemProps
        {
            Comment = "Marks the job FAILED, unless it already moved on (monotonic).",
            Table = t.Table,
            Key = JobKey("$.plan.jobId"),
            UpdateExpression = "SET #status = :failed, failedAt = :now, #error = :error",
            ConditionExpression = "#status IN (:requested, :planning, :fetching)",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status", ["#error"] = "error" },
            ExpressionAttributeValues = new Dictionary<string, DynamoAttributeValue>
            {
                [":failed"] = DynamoAttributeValue.FromString("FAILED"),
                [":requested"] = DynamoAttributeValue.FromString("REQUESTED"),
                [":planning"] = DynamoAttributeValue.FromString("PLANNING"),
                [":fetching"] = DynamoAttributeValue.FromString("FETCHING"),
                [":now"] = DynamoAttributeValue.FromString(JsonPath.StringAt("$$.State.EnteredTime")),
                [":error"] = DynamoAttributeValue.FromString(JsonPath.StringAt("$.error.Error")),
            },
            ResultPath = JsonPath.DISCARD,
        }), TaskRetries.DynamoDb());
        recordJobFailure.AddCatch(jobFailed, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.recordError" });
        recordJobFailure.Next(jobFailed);

        // A failure before the plan exists only has the pipe's jobId (a scheduled job without a plan has no item yet).
        var identifyJob = new Pass(scope, "IdentifyJob", new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["plan"] = new Dictionary<string, object> { ["jobId.$"] = "$.jobId" },
                ["error.$"] = "$.error",
            },
        });
        identifyJob.Next(recordJobFailure);
        var canRecordFailure = new Choice(scope, "CanRecordFailure", new ChoiceProps { Comment = "Is there a job item to mark FAILED?" })
            .When(Condition.IsPresent("$.plan.jobId"), recordJobFailure)
            .When(Condition.IsPresent("$.jobId"), identifyJob)
            .Otherwise(jobFailed);
        var onFailure = new CatchProps { Errors = ["States.ALL"], ResultPath = "$.error" };

        var jobFetched = new Succeed(scope, "JobFetched", new SucceedProps { Comment = "Every page was fetched or recorded as failed; consumers finish the job." });
        var completeFetching = TaskRetries.With(new DynamoUpdateItem(scope, "CompleteFetching", new DynamoUpdateItemProps
        {
            Comment = "FETCHING -> FETCHED (conditional: a duplicate or late completion changes nothing).",
            Table = t.Table,
            Key = JobKey("$.plan.jobId"),
            UpdateExpression = "SET #status = :fetched, fetchedAt = :now",
            ConditionExpression = "#status = :fetching",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, DynamoAttributeValue>
            {
                [":fetched"] = DynamoAttributeValue.FromString("FETCHED"),
                [":fetching"] = DynamoAttributeValue.FromString("FETCHING"),
                [":now"] = DynamoAttributeValue.FromString(JsonPath.StringAt("$$.State.EnteredTime")),
            },
            ResultPath = JsonPath.DISCARD,
        }), TaskRetries.DynamoDb());
        completeFetching.AddCatch(jobFetched, new CatchProps { Errors = ["DynamoDB.ConditionalCheckFailedException"], ResultPath = JsonPath.DISCARD });
        completeFetching.AddCatch(canRecordFailure, onFailure);
        completeFetching.Next(jobFetched);

        var fetchPages = FanOut(scope, t);
        fetchPages.AddCatch(canRecordFailure, onFailure);
        fetchPages.Next(completeFetching);

        var (fetchCursorPages, cursorRoute) = CursorLoop(scope, t, completeFetching, canRecordFailure, onFailure);

        var planJob = TaskRetries.With(new LambdaInvoke(scope, "PlanJob", new LambdaInvokeProps
        {
            Comment = "Registers the job (REQUESTED -> PLANNING -> FETCHING) and writes the page manifest.",
            LambdaFunction = t.Planner,
            Payload = TaskInput.FromObject(new Dictionary<string, object>
            {
                ["input.$"] = "$",
                ["executionId.$"] = "$$.Execution.Id",
            }),
            ResultSelector = new Dictionary<string, object> { ["plan.$"] = "$.Payload" },
            ResultPath = "$",
            RetryOnServiceExceptions = false,
        }), TaskRetries.Lambda());
        planJob.AddCatch(canRecordFailure, onFailure);
        planJob.Next(new Choice(scope, "RouteByMode")
            .When(Condition.StringEquals("$.plan.mode", "duplicate"), new Succeed(scope, "DuplicateStart", new SucceedProps
            {
                Comment = "Another execution already owns this job (a duplicate stream record or schedule delivery).",
            }))
            .When(Condition.StringEquals("$.plan.mode", "fanout"), fetchPages)
            .When(Condition.StringEquals("$.plan.mode", "cursor"), fetchCursorPages)
            .Otherwise(completeFetching));

        _ = cursorRoute;
        return new Choice(scope, "IsContinuation", new ChoiceProps { Comment = "A continuation carries its cursor and skips planning." })
            .When(Condition.IsPresent("$.cursor"), fetchCursorPages)
            .Otherwise(planJob);
    }

    private static DistributedMap FanOut(Construct scope, OrchestratorTargets t)
    {
        var map = new DistributedMap(scope, "FetchPages", new DistributedMapProps
        {
            Comment = "Fans the manifest out to Express children, a batch of pages each, at most the source's concurrency at once.",
            ItemReader = new S3JsonItemReader(new S3FileItemReaderProps
            {
                Bucket = t.Bucket,
                Key = JsonPath.StringAt("$.plan.manifestKey"),
            }),
            ItemBatcher = new ItemBatcher(new ItemBatcherProps
            {
                MaxItemsPerBatch = t.PagesPerBatch,
                BatchInput = new Newtonsoft.Json.Linq.JObject { ["jobId.$"] = "$.plan.jobId", ["source.$"] = "$.plan.source" },
            }),
            MaxConcurrencyPath = "$.plan.maxConcurrency",
            ToleratedFailurePercentage = 100,
            MapExecutionType = StateMachineType.EXPRESS,
            ResultWriter = new ResultWriter(new ResultWriterProps { Bucket = t.Bucket, Prefix = MapResultsPrefix }),
            ResultPath = JsonPath.DISCARD,
        });
        // Reading the manifest fails before any child starts, so retrying it cannot fetch a page twice.
        map.AddRetry(TaskRetries.Policy(["States.ItemReaderFailed"], Duration.Seconds(2), 3, Duration.Seconds(30)));

        var batchFailed = new Fail(scope, "BatchFailed", new FailProps
        {
            Comment = "This batch's unfetched pages stay PLANNED and count as notFetched.",
            ErrorPath = "$.error.Error",
            CausePath = "$.error.Cause",
        });
        var recordBatchFailure = TaskRetries.With(new DynamoUpdateItem(scope, "RecordBatchFailure", new DynamoUpdateItemProps
        {
            Comment = "Counts the failed batch on the job item.",
            Table = t.Table,
            Key = JobKey("$.BatchInput.jobId"),
            UpdateExpression = "ADD failedBatches :one",
            ExpressionAttributeValues = new Dictionary<string, DynamoAttributeValue> { [":one"] = DynamoAttributeValue.FromNumber(1) },
            ResultPath = JsonPath.DISCARD,
        }), BatchRecordRetry());
        recordBatchFailure.AddCatch(batchFailed, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.recordError" });
        recordBatchFailure.Next(batchFailed);

        var batchOutOfTime = new Pass(scope, "BatchOutOfTime", new PassProps
        {
            Comment = "The batch's budget has no room for another page: fail it on the record, well before Express's 5 minutes.",
            Result = Result.FromObject(new Dictionary<string, object>
            {
                ["Error"] = "BatchOutOfTime",
                ["Cause"] = $"the batch's budget of {BatchBudgetSeconds} s from the child's start ran out; its remaining pages stay PLANNED (notFetched)",
            }),
            ResultPath = "$.error",
        });
        batchOutOfTime.Next(recordBatchFailure);

        var fetchBatch = TaskRetries.With(new LambdaInvoke(scope, "FetchBatch", new LambdaInvokeProps
        {
            Comment = "Streams each page of the batch to S3 and enqueues its pointer; returns the pages it had no time for.",
            LambdaFunction = t.PageFetcher,
            Payload = TaskInput.FromObject(new Dictionary<string, object>
            {
                ["Items.$"] = "$.Items",
                ["BatchInput.$"] = "$.BatchInput",
                // The same on every call of this child: the budget runs from the child's start, across calls and retries.
                ["batchStartedAt.$"] = "$$.Execution.StartTime",
                ["batchBudgetSeconds"] = BatchBudgetSeconds,
            }),
            // The pages it had no time for become the next call's Items.
            ResultSelector = new Dictionary<string, object>
            {
                ["Items.$"] = "$.Payload.remaining",
                ["BatchInput.$"] = "$.Payload.BatchInput",
                ["outOfTime.$"] = "$.Payload.outOfTime",
            },
            ResultPath = "$",
            RetryOnServiceExceptions = false,
        }), BatchFetchRetry());
        fetchBatch.AddCatch(recordBatchFailure, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.error" });
        fetchBatch.Next(new Choice(scope, "HasRemaining")
            .When(Condition.And(Condition.IsPresent("$.Items[0]"), Condition.BooleanEquals("$.outOfTime", true)), batchOutOfTime)
            .When(Condition.IsPresent("$.Items[0]"), fetchBatch)
            .Otherwise(new Succeed(scope, "BatchDone")));
        map.ItemProcessor(fetchBatch);
        return map;
    }

    private static (LambdaInvoke FetchCursorPages, Choice CursorRoute) CursorLoop(Construct scope, OrchestratorTargets t,
        IChainable completeFetching, IChainable canRecordFailure, CatchProps onFailure)
    {
        var fetchCursorPages = TaskRetries.With(new LambdaInvoke(scope, "FetchCursorPages", new LambdaInvokeProps
        {
            Comment = "Fetches the next pages in order, carrying the cursor (one at a time: the partner names the next page).",
            LambdaFunction = t.CursorFetcher,
            Payload = TaskInput.FromJsonPathAt("$"),
            ResultSelector = new Dictionary<string, object>
            {
                ["cursor.$"] = "$.Payload.cursor",
                ["nextPage.$"] = "$.Payload.nextPage",
                ["iteration.$"] = "$.Payload.iteration",
                ["generation.$"] = "$.Payload.generation",
                ["done.$"] = "$.Payload.done",
                ["loopCheck.$"] = "$.Payload.loopCheck",
            },
            ResultPath = "$.cursor",
            RetryOnServiceExceptions = false,
        }), TaskRetries.Lambda());
        fetchCursorPages.AddCatch(canRecordFailure, onFailure);

        var handedOver = new Succeed(scope, "HandedOver", new SucceedProps { Comment = "A new execution continues the cursor with a fresh history." });
        var continueAsNew = new CustomState(scope, "ContinueAsNew", new CustomStateProps
        {
            StateJson = new Dictionary<string, object>
            {
                ["Type"] = "Task",
                ["Comment"] = "Starts this state machine again with the cursor, so no execution's history grows without bound.",
                ["Resource"] = $"arn:{Aws.PARTITION}:states:::states:startExecution",
                ["Parameters"] = new Dictionary<string, object>
                {
                    ["StateMachineArn.$"] = "$$.StateMachine.Id",
                    ["Name.$"] = "States.Format('{}-g{}', $.plan.jobId, States.MathAdd($.cursor.generation, 1))",
                    ["Input"] = new Dictionary<string, object>
                    {
                        ["plan.$"] = "$.plan",
                        ["cursor"] = new Dictionary<string, object>
                        {
                            ["cursor.$"] = "$.cursor.cursor",
                            ["nextPage.$"] = "$.cursor.nextPage",
                            ["iteration"] = 0,
                            ["generation.$"] = "States.MathAdd($.cursor.generation, 1)",
                            ["done"] = false,
                            ["loopCheck.$"] = "$.cursor.loopCheck",
                        },
                    },
                },
            },
        });
        continueAsNew.AddRetry(TaskRetries.StepFunctions());
        // The name is deterministic: a retried start whose first attempt got through is the same hand-over.
        continueAsNew.AddCatch(handedOver, new CatchProps { Errors = ["StepFunctions.ExecutionAlreadyExistsException"], ResultPath = JsonPath.DISCARD });
        continueAsNew.AddCatch(canRecordFailure, onFailure);
        continueAsNew.Next(handedOver);

        var cursorRoute = new Choice(scope, "CursorRoute")
            .When(Condition.BooleanEquals("$.cursor.done", true), completeFetching)
            .When(Condition.NumberGreaterThanEquals("$.cursor.iteration", ContinueAsNewAfter), continueAsNew)
            .Otherwise(fetchCursorPages);
        fetchCursorPages.Next(cursorRoute);
        return (fetchCursorPages, cursorRoute);
    }

    private static Dictionary<string, DynamoAttributeValue> JobKey(string jobIdPath) => new()
    {
        ["pk"] = DynamoAttributeValue.FromString(JsonPath.Format("JOB#{}", JsonPath.StringAt(jobIdPath))),
        ["sk"] = DynamoAttributeValue.FromString("JOB"),
    };
}
