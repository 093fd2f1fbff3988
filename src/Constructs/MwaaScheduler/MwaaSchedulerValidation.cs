using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>Every synth-time rule of <see cref="MwaaSchedulerProps"/>, each with the message users see.</summary>
internal static partial class MwaaSchedulerValidation
{
    /// <summary>Shortest poll interval, in seconds.</summary>
    public const double MinPollSeconds = 30;

    /// <summary>Longest poll interval, in seconds.</summary>
    public const double MaxPollSeconds = 600;

    /// <summary>Shortest create/delete/update allowance, in seconds (MWAA takes 20 to 30 minutes for each).</summary>
    public const double MinEnvironmentSeconds = 1800;

    /// <summary>Longest of any timeout, in seconds (12 hours).</summary>
    public const double MaxTimeoutSeconds = 43200;

    /// <summary>A paused interval shorter than this (hours) costs more than it saves: a delete and create cycle bills about an hour.</summary>
    public const double ShortPauseHours = 2;

    public static void Validate(MwaaSchedulerProps p)
    {
        var v = new PropsValidator(nameof(MwaaScheduler));

        // Bring-your-own resources and overrides.
        v.FiniteNumbers(nameof(p.BackupBucketProps), p.BackupBucketProps)
            .Exclusive(nameof(p.ExistingBackupBucket), p.ExistingBackupBucket, nameof(p.BackupBucketProps), p.BackupBucketProps,
                "pass ExistingBackupBucket to use your bucket, or BackupBucketProps to tune the one the construct creates, not both")
            .When(p.ExistingBackupBucket is not null && p.BackupBucketEncryptionKey is null, nameof(p.BackupBucketEncryptionKey),
                "is required with ExistingBackupBucket: backups are written with SSE-KMS under the bucket's key, and the workflow and the execution role are granted that key",
                null, "pass the bucket's customer-managed key as BackupBucketEncryptionKey")
            .Exclusive($"{nameof(p.BackupBucketProps)}.{nameof(BucketProps.EncryptionKey)}", p.BackupBucketProps?.EncryptionKey,
                nameof(p.BackupBucketEncryptionKey), p.BackupBucketEncryptionKey, "pass the key once, as BackupBucketEncryptionKey")
            .When(p.BackupBucketProps?.Encryption is { } enc && enc != BucketEncryption.KMS, $"{nameof(p.BackupBucketProps)}.{nameof(BucketProps.Encryption)}",
                "is fixed: backups hold connection and variable secrets and are encrypted with a customer-managed KMS key", p.BackupBucketProps?.Encryption, "remove it")
            .When(p.ExistingNotificationTopic is not null && p.NotificationTopicEncryptionKey is not null, nameof(p.NotificationTopicEncryptionKey),
                "encrypts the topic the construct creates, but ExistingNotificationTopic was given", "a key", "remove NotificationTopicEncryptionKey, or remove ExistingNotificationTopic")
            .When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic),
                "was given but CreateAlarms is false, so nothing would notify it", "a topic", "remove AlarmTopic or set CreateAlarms to true");

        // Tuning.
        v.When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
            nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO");
        ValidateDurations(v, p);

        // Semantics.
        v.When(p.EnvironmentName is null || !EnvironmentNameShape().IsMatch(p.EnvironmentName), nameof(p.EnvironmentName),
                "must be an MWAA environment name: a letter, then up to 79 letters, digits, '-' or '_'", p.EnvironmentName, "give the name of the existing environment")
            .When(p.ExecutionRoleArn is null || (!Token.IsUnresolved(p.ExecutionRoleArn) && !RoleArnShape().IsMatch(p.ExecutionRoleArn)), nameof(p.ExecutionRoleArn),
                "must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path and name>)", p.ExecutionRoleArn,
                "give the environment's execution role ARN, e.g. arn:aws:iam::123456789012:role/service-role/my-mwaa-role")
            .When(p.DagBucket is null, nameof(p.DagBucket), "is required: the bundled export and import DAGs are uploaded to it", null,
                "pass the environment's source bucket, e.g. Bucket.FromBucketName(this, \"Dags\", \"my-airflow-bucket\")")
            .When(p.DagFolder is { } folder && (folder.Length == 0 || folder.StartsWith('/') || folder.EndsWith('/') || folder.Contains("//", StringComparison.Ordinal)),
                nameof(p.DagFolder), "must be a key prefix without a leading or trailing '/' (the environment's DagS3Path)", p.DagFolder, "e.g. \"dags\"; the default is dags")
            .When(PropsValidator.OutOfRange(p.BackupsToKeep, 1, 100), nameof(p.BackupsToKeep), "must be between 1 and 100", p.BackupsToKeep, "the default is 7")
            .Whole((nameof(p.BackupsToKeep), p.BackupsToKeep))
            .When(p.EnvironmentClass is { } cls && !EnvironmentClassShape().IsMatch(cls), nameof(p.EnvironmentClass),
                "must be an MWAA environment class", p.EnvironmentClass, "e.g. \"mw1.medium\"; the default is mw1.small")
            .When(p.HourlyPrice is { } price && (!double.IsFinite(price) || price <= 0), nameof(p.HourlyPrice), "must be a positive number of USD per hour", p.HourlyPrice,
                "give the environment's hourly price, or leave it out for the list price of EnvironmentClass");
        var environmentClass = p.EnvironmentClass ?? MwaaScheduler.DefaultEnvironmentClass;
        v.When(p.HourlyPrice is null && EnvironmentClassShape().IsMatch(environmentClass) && MwaaPrices.HourlyUsd(environmentClass) is null, nameof(p.HourlyPrice),
            $"is required: the price table (seen {MwaaPrices.PriceDate}) has no price for the environment class", environmentClass,
            "give the environment's hourly price in USD (its list price in your region)");

        var windowsValid = ValidateWindows(v, p);
        var timeZone = p.TimeZone ?? MwaaScheduler.DefaultTimeZone;
        var zoneProblem = ScheduleExpressions.TimeZoneProblem(timeZone);
        v.When(zoneProblem is not null, nameof(p.TimeZone), zoneProblem!, p.TimeZone, "use an IANA id such as \"Europe/Paris\"; the default is UTC");
        if (windowsValid && zoneProblem is null && p.Windows is { Count: > 0 } windows
            && MwaaSavings.CoincidenceProblem(windows, timeZone) is { } coincidence)
        {
            v.When(true, nameof(p.Windows), "has a pause and a resume that fire at the same minute, so which one runs first is undefined", coincidence,
                "move one of the two expressions by at least a minute");
        }

        v.ThrowIfAny();
    }

    private static void ValidateDurations(PropsValidator v, MwaaSchedulerProps p)
    {
        v.When(PropsValidator.OutOfRange(p.PollInterval, MinPollSeconds, MaxPollSeconds), nameof(p.PollInterval), "must be between 30 seconds and 10 minutes",
                p.PollInterval, "the default is 1 minute")
            .When(PropsValidator.NotWholeSeconds(p.PollInterval), nameof(p.PollInterval), "must be a whole number of seconds (a Wait state takes whole seconds)",
                p.PollInterval, "round it, e.g. Duration.Seconds(90)");
        var poll = p.PollInterval is { } given && !PropsValidator.OutOfRange(given, MinPollSeconds, MaxPollSeconds) ? PropsValidator.Seconds(given) : MinPollSeconds;
        foreach (var (name, value) in new[] { (nameof(p.ExportTimeout), p.ExportTimeout), (nameof(p.ImportTimeout), p.ImportTimeout) })
        {
            v.When(PropsValidator.OutOfRange(value, poll, MaxTimeoutSeconds), name, "must be between PollInterval and 12 hours", value, "the default is 60 minutes");
        }

        v.When(PropsValidator.OutOfRange(p.EnvironmentTimeout, MinEnvironmentSeconds, MaxTimeoutSeconds), nameof(p.EnvironmentTimeout),
            "must be between 30 minutes and 12 hours (creating or deleting an environment takes 20 to 30 minutes)", p.EnvironmentTimeout, "the default is 90 minutes");
    }

    /// <summary>Checks each window; true when every name and expression is valid (so the calendar checks can run).</summary>
    private static bool ValidateWindows(PropsValidator v, MwaaSchedulerProps p)
    {
        if (p.Windows is not { } windows)
        {
            return true;
        }

        var before = v.Problems.Count;
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var at = $"{nameof(p.Windows)}[{i}]";
            if (w is null)
            {
                v.When(true, at, "is null", null, "remove it or give a PauseWindow");
                continue;
            }

            v.When(w.Name is null || !WindowNameShape().IsMatch(w.Name), $"{at}.Name",
                "must be 1 to 31 lower-case letters, digits or '-', starting with a letter or digit (it names the schedules)", w.Name, "e.g. \"nights\"");
            foreach (var (prop, expression) in new[] { ("Pause", w.Pause), ("Resume", w.Resume) })
            {
                var problem = ScheduleExpressions.Problem(expression);
                v.When(problem is not null, $"{at}.{prop}", $"is not a schedule expression EventBridge Scheduler accepts: {problem}", expression,
                        "e.g. \"cron(0 20 ? * MON-FRI *)\"")
                    .When(problem is null && expression.StartsWith("at(", StringComparison.Ordinal), $"{at}.{prop}",
                        "is a one-time at(...) schedule, but a window recurs", expression, "use cron(...) or rate(...); pause once by starting PauseStateMachine");
            }
        }

        foreach (var duplicate in windows.Where(w => w?.Name is not null).GroupBy(w => w.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.When(true, nameof(p.Windows), "has two windows with the same name, which would name the same schedules", duplicate.Key, "give each window its own name");
        }

        return v.Problems.Count == before;
    }

    /// <summary>Warns about windows whose paused intervals are on average too short to save money.</summary>
    public static void Warn(Constructs.IConstruct scope, MwaaSavingsEstimate savings)
    {
        foreach (var row in savings.Rows.Where(r => r.CyclesPerMonth > 0 && r.PausedHoursPerMonth / r.CyclesPerMonth < ShortPauseHours))
        {
            Warnings.Add(scope, nameof(MwaaScheduler), "shortPause",
                $"Windows '{row.Window}': its paused intervals average {row.PausedHoursPerMonth / row.CyclesPerMonth:0.0} h, shorter than {ShortPauseHours} h; " +
                "a delete and create cycle bills about an hour of environment time and takes about as long, so such a pause saves little or nothing.");
        }
    }

    [GeneratedRegex("^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")]
    private static partial Regex EnvironmentNameShape();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArnShape();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,30}$")]
    private static partial Regex WindowNameShape();

    [GeneratedRegex(@"^mw[0-9]\.[a-z0-9]+$")]
    private static partial Regex EnvironmentClassShape();
}
