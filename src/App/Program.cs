using Amazon.CDK;
using Patterns.Cdk.App;

// The sample app: one stack per pattern, so each can be deployed and torn down on its own.
// Account and region come from the CLI's environment when set; synthesis works without them.
var app = new App();
var env = new Amazon.CDK.Environment
{
    Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
    Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
};

// One topic for every alarm of the app (optionally with an e-mail subscription: -c alarmEmail=you@example.com).
var alarms = new AlarmTopicStack(app, "PatternsCdk-Alarms", new StackProps
{
    Env = env,
    Description = "Patterns.Cdk sample: the SNS topic every alarm of the sample app notifies.",
});

_ = new UploadProcessingStack(app, "PatternsCdk-UploadProcessing", alarms.Topic, new StackProps
{
    Env = env,
    Description = "Patterns.Cdk sample: uploads are stamped with their SHA-256 and real content type, safely in place.",
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

_ = new ClaimsStack(app, "PatternsCdk-Claims", alarms.Topic, new StackProps
{
    Env = env,
    Description = "Patterns.Cdk sample: the claims bus with EventDrivenSettlement settling each claim exactly once.",
});

_ = new AirflowStack(app, "PatternsCdk-Airflow", alarms.Topic, new StackProps
{
    Env = env,
    Description = "Patterns.Cdk sample: MwaaScheduler pausing an existing MWAA environment out of hours, with verified metadata backups.",
});

app.Synth();
