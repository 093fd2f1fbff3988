using Amazon.CDK;

namespace Patterns.Cdk.App;

/// <summary>
/// The sample system: one stack per pattern, so each can be deployed and torn down on its own, all notifying one alarm
/// topic. The only cross-stack references are that topic and the demo partner's URL (PartnerSync depends on DemoPartner).
/// </summary>
public sealed class SampleApp
{
    /// <summary>The alarm topic every stack's alarms notify.</summary>
    public required AlarmTopicStack Alarms { get; init; }

    /// <summary>Private upload APIs feeding one bucket: photos are face-blurred, documents stamped.</summary>
    public required UploadProcessingStack Uploads { get; init; }

    /// <summary>The fake public partner API PartnerSync polls.</summary>
    public required DemoPartnerStack DemoPartner { get; init; }

    /// <summary>ApiPoller synchronising the demo partner.</summary>
    public required PartnerSyncStack PartnerSync { get; init; }

    /// <summary>The claims bus with EventDrivenSettlement.</summary>
    public required ClaimsStack Claims { get; init; }

    /// <summary>MwaaScheduler for an existing MWAA environment.</summary>
    public required AirflowStack Airflow { get; init; }

    /// <summary>Every stack, in creation order.</summary>
    public IReadOnlyList<Stack> Stacks => [Alarms, Uploads, DemoPartner, PartnerSync, Claims, Airflow];

    /// <summary>Adds the sample system's stacks to <paramref name="app"/>; <paramref name="env"/> is every stack's environment.</summary>
    public static SampleApp Compose(Amazon.CDK.App app, Amazon.CDK.Environment env)
    {
        // One topic for every alarm of the app (optionally with an e-mail subscription: -c alarmEmail=you@example.com).
        var alarms = new AlarmTopicStack(app, "PatternsCdk-Alarms", new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: the SNS topic every alarm of the sample app notifies.",
        });

        var uploads = new UploadProcessingStack(app, "PatternsCdk-UploadProcessing", alarms.Topic, new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: private upload APIs inside a VPC; photos are face-blurred, documents stamped with their SHA-256 and real content type.",
        });

        var partner = new DemoPartnerStack(app, "PatternsCdk-DemoPartner", new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: a fake public partner API (paged data, random delays and errors).",
        });
        var partnerSync = new PartnerSyncStack(app, "PatternsCdk-PartnerSync", partner.Partner.Url, alarms.Topic, new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: ApiPoller synchronising the demo partner on request and every night.",
        });
        partnerSync.AddDependency(partner);

        var claims = new ClaimsStack(app, "PatternsCdk-Claims", alarms.Topic, new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: the claims bus with EventDrivenSettlement settling each claim exactly once.",
        });

        var airflow = new AirflowStack(app, "PatternsCdk-Airflow", alarms.Topic, new StackProps
        {
            Env = env,
            Description = "Patterns.Cdk sample: MwaaScheduler pausing an existing MWAA environment out of hours, with verified metadata backups.",
        });

        return new SampleApp
        {
            Alarms = alarms, Uploads = uploads, DemoPartner = partner, PartnerSync = partnerSync, Claims = claims, Airflow = airflow,
        };
    }
}
