using Amazon.CDK;
using Constructs;
using Patterns.Cdk.ApiPoller;

namespace Patterns.Cdk.App;

/// <summary>A fake public partner API (paged data, random delays and errors) for the ApiPoller sample to synchronise.</summary>
public sealed class DemoPartnerStack : Stack
{
    /// <summary>The demo partner.</summary>
    public DemoPartnerApi Partner { get; }

    /// <summary>Creates the stack.</summary>
    public DemoPartnerStack(Construct scope, string id, IStackProps props) : base(scope, id, props)
    {
        Partner = new DemoPartnerApi(this, "Partner", new DemoPartnerApiProps { TotalItems = 25_000, ErrorRate = 0.05 });
        _ = new CfnOutput(this, "PartnerUrl", new CfnOutputProps
        {
            Value = Partner.Url + "/items",
            Description = "The demo partner's collection (try ?page=1&pageSize=100, ?offset=0&limit=100 or ?cursor=).",
        });
    }
}
