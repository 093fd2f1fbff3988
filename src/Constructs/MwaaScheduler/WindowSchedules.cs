using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// The EventBridge Scheduler schedules of the pause windows: per window <c>Pause-&lt;name&gt;</c> starts the pause
/// workflow and <c>Resume-&lt;name&gt;</c> the resume workflow, in the window's time zone, without a flexible window,
/// with a retry policy and the dead-letter queue. One role (<c>SchedulerRole</c>) may start these two state machines only.
/// </summary>
internal static class WindowSchedules
{
    /// <summary>Retries of a start the scheduler could not deliver.</summary>
    public const double MaximumRetryAttempts = 3;

    /// <summary>How long a start may be retried (15 minutes: a pause much later than planned is no longer wanted).</summary>
    public const double MaximumEventAgeSeconds = 900;

    public static IReadOnlyList<CfnSchedule> Create(Construct scope, IReadOnlyList<PauseWindow> windows, string timeZone,
        IStateMachine pause, IStateMachine resume, IQueue? deadLetterQueue)
    {
        if (windows.Count == 0)
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
            Description = "Starts the MWAA pause and resume workflows on their schedules.",
        });
        pause.GrantStartExecution(role);
        resume.GrantStartExecution(role);
        deadLetterQueue?.GrantSendMessages(role);

        var result = new List<CfnSchedule>();
        foreach (var w in windows)
        {
            // Keyed by the window's own (validated, unique) name, not its position: reordering renames nothing.
            result.Add(Schedule(scope, "Pause-" + w.Name, $"Pauses the MWAA environment ({w.Name}).", w.Pause, timeZone, w.Name, pause, role, deadLetterQueue));
            result.Add(Schedule(scope, "Resume-" + w.Name, $"Resumes the MWAA environment ({w.Name}).", w.Resume, timeZone, w.Name, resume, role, deadLetterQueue));
        }

        return result;
    }

    /// <summary>The workflow input of a scheduled start.</summary>
    public static string Input(string window) => new JsonObject { ["trigger"] = "schedule", ["window"] = window }.ToJsonString();

    private static CfnSchedule Schedule(Construct scope, string id, string description, string expression, string timeZone, string window,
        IStateMachine target, Role role, IQueue? deadLetterQueue) => new(scope, id, new CfnScheduleProps
    {
        Description = description,
        ScheduleExpression = expression,
        ScheduleExpressionTimezone = timeZone,
        FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
        State = "ENABLED",
        Target = new CfnSchedule.TargetProperty
        {
            Arn = target.StateMachineArn,
            RoleArn = role.RoleArn,
            Input = Input(window),
            RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = MaximumRetryAttempts, MaximumEventAgeInSeconds = MaximumEventAgeSeconds },
            DeadLetterConfig = deadLetterQueue is null ? null : new CfnSchedule.DeadLetterConfigProperty { Arn = deadLetterQueue.QueueArn },
        },
    });
}
