using Amazon.CDK;
using Patterns.Cdk.App;

// The sample app (src/App/SampleApp.cs composes it; docs/SampleApp.md describes it). Account and region come from the
// CLI's environment when set; synthesis works without them.
var app = new App();
_ = SampleApp.Compose(app, new Amazon.CDK.Environment
{
    Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
    Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
});
app.Synth();
