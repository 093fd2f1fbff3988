using Amazon.CDK;
using Amazon.CDK.Assertions;
using Patterns.Cdk.RecursionSafeS3Processor;
namespace Patterns.Cdk.IntegrationTests;
public class Dump
{
    [Fact]
    public void DumpTemplates()
    {
        foreach (var s in Enum.GetValues<ProcessingStrategy>())
        {
            var app = new App(new AppProps { AnalyticsReporting = false });
            var stack = new Stack(app, "S", new StackProps());
            _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "P", new RecursionSafeS3ProcessorProps
            {
                Strategy = s,
                InputPrefix = "incoming/",
                OutputPrefix = s == ProcessingStrategy.KeyFilter ? "processed/" : null,
            });
            File.WriteAllText($"/tmp/tpl-{s}.json", Newtonsoft.Json.JsonConvert.SerializeObject(Template.FromStack(stack).ToJSON(), Newtonsoft.Json.Formatting.Indented));
        }
    }
}
