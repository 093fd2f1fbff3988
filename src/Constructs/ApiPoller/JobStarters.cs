using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Pipes;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>
/// The two ways a job's workflow starts: an EventBridge Pipe from the progress table's stream (the job item the API
/// wrote is the outbox) and EventBridge Scheduler schedules. Each runs under its own role that may start this state
/// machine and nothing else.
/// </summary>
internal static class JobStarters
{
    /// <summary>How long the pipe and the scheduler keep retrying a start before the event goes to their dead-letter queue.</summary>
    public const double MaxEventAgeSeconds = 3600;

    /// <summary>The stream filter: only a newly inserted job item in REQUESTED starts a workflow.</summary>
    public static string FilterPattern => new JsonObject
    {
        ["eventName"] = new JsonArray("INSERT"),
        ["dynamodb"] = new JsonObject
        {
            ["NewImage"] = new JsonObject
            {
                ["sk"] = new JsonObject { ["S"] = new JsonArray("JOB") },
                ["status"] = new JsonObject { ["S"] = new JsonArray("REQUESTED") },
            },
        },
    }.ToJsonString();

    /// <summary>The workflow input the pipe renders from a job item.</summary>
    public const string InputTemplate = "{\"jobId\": <$.dynamodb.NewImage.jobId.S>, \"trigger\": \"api\"}";

    public static CfnPipe Pipe(Construct scope, ITable table, IStateMachine stateMachine, IQueue? deadLetterQueue)
    {
        var role = new Role(scope, "PipeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("pipes.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(scope).Account },
                },
            }),
            Description = "Reads the job table's stream and starts the job workflow.",
        });
        table.GrantStreamRead(role);
        stateMachine.GrantStartExecution(role);
        deadLetterQueue?.GrantSendMessages(role);

        var pipe = new CfnPipe(scope, "Pipe", new CfnPipeProps
        {
            Description = "Starts a job's workflow when the job API writes its REQUESTED item.",
            RoleArn = role.RoleArn,
            Source = table.TableStreamArn!,
            SourceParameters = new CfnPipe.PipeSourceParametersProperty
            {
                DynamoDbStreamParameters = new CfnPipe.PipeSourceDynamoDBStreamParametersProperty
                {
                    StartingPosition = "LATEST",
                    BatchSize = 1,
                    MaximumRetryAttempts = 10,
                    MaximumRecordAgeInSeconds = MaxEventAgeSeconds,
                    DeadLetterConfig = deadLetterQueue is null ? null : new CfnPipe.DeadLetterConfigProperty { Arn = deadLetterQueue.QueueArn },
                },
                FilterCriteria = new CfnPipe.FilterCriteriaProperty
                {
                    Filters = new object[] { new CfnPipe.FilterProperty { Pattern = FilterPattern } },
                },
            },
            Target = stateMachine.StateMachineArn,
            TargetParameters = new CfnPipe.PipeTargetParametersProperty
            {
                InputTemplate = InputTemplate,
                StepFunctionStateMachineParameters = new CfnPipe.PipeTargetStateMachineParametersProperty { InvocationType = "FIRE_AND_FORGET" },
            },
        });
        pipe.Node.AddDependency(role);
        return pipe;
    }

    public static IReadOnlyList<CfnSchedule> Schedules(Construct scope, IReadOnlyList<JobSchedule> schedules, IStateMachine stateMachine, IQueue? deadLetterQueue)
    {
        if (schedules.Count == 0)
        {
            return [];
        }

        var role = new Role(scope, "SchedulerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(scope).Account },
                },
            }),
            Description = "Starts scheduled jobs of the job workflow.",
        });
        stateMachine.GrantStartExecution(role);
        deadLetterQueue?.GrantSendMessages(role);

        var result = new List<CfnSchedule>();
        foreach (var s in schedules)
        {
            // Keyed by the schedule's own (validated, unique) name, not its position: reordering renames nothing.
            result.Add(new CfnSchedule(scope, "Schedule-" + s.Name, new CfnScheduleProps
            {
                Description = $"Starts a '{s.Source}' job ({s.Name}).",
                ScheduleExpression = s.Expression,
                ScheduleExpressionTimezone = s.TimeZone ?? "UTC",
                FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
                State = "ENABLED",
                Target = new CfnSchedule.TargetProperty
                {
                    Arn = stateMachine.StateMachineArn,
                    RoleArn = role.RoleArn,
                    Input = ScheduleInput(s),
                    RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 10, MaximumEventAgeInSeconds = MaxEventAgeSeconds },
                    DeadLetterConfig = deadLetterQueue is null ? null : new CfnSchedule.DeadLetterConfigProperty { Arn = deadLetterQueue.QueueArn },
                },
            }));
        }

        return result;
    }

    /// <summary>The workflow input of a scheduled start; Scheduler fills in the scheduled time, which makes the job id.</summary>
    public static string ScheduleInput(JobSchedule s)
    {
        var parameters = new JsonObject();
        foreach (var (key, value) in (s.Parameters ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parameters[key] = value;
        }

        return new JsonObject
        {
            ["schedule"] = new JsonObject { ["name"] = s.Name, ["source"] = s.Source, ["parameters"] = parameters },
            ["scheduledTime"] = "<aws.scheduler.scheduled-time>",
            ["trigger"] = "schedule",
        }.ToJsonString();
    }
}
