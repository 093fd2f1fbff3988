using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>Creates a construct's alarms and wires each to the optional SNS topic.</summary>
/// <param name="scope">Where the alarms live (the construct itself).</param>
/// <param name="topic">Notified on ALARM and OK, when given.</param>
internal sealed class AlarmFactory(Construct scope, ITopic? topic)
{
    private readonly List<IAlarm> _alarms = [];

    /// <summary>The alarms made so far.</summary>
    public IReadOnlyList<IAlarm> Alarms => _alarms;

    /// <summary>Alarms when <paramref name="metric"/> reaches <paramref name="threshold"/> in one period.</summary>
    public Alarm AtLeast(string id, IMetric metric, double threshold, string description)
    {
        var alarm = new Alarm(scope, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = 1,
            DatapointsToAlarm = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = description,
        });
        if (topic is not null)
        {
            alarm.AddAlarmAction(new SnsAction(topic));
            alarm.AddOkAction(new SnsAction(topic));
        }

        _alarms.Add(alarm);
        return alarm;
    }

    /// <summary>A metric's maximum over one minute.</summary>
    public static MetricOptions Max1Min => new() { Statistic = "Maximum", Period = Duration.Minutes(1) };

    /// <summary>A metric's sum over five minutes.</summary>
    public static MetricOptions Sum5Min => new() { Statistic = "Sum", Period = Duration.Minutes(5) };
}
