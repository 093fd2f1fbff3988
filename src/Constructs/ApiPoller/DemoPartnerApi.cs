using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>Properties of a <see cref="DemoPartnerApi"/>. Every property is optional.</summary>
public sealed class DemoPartnerApiProps
{
    /// <summary>Items the fake collection holds (1-100,000,000). Default: 2,500.</summary>
    public double? TotalItems { get; init; }

    /// <summary>Share of requests answered with a random 429 or 5xx (0-0.9). Default: 0.05.</summary>
    public double? ErrorRate { get; init; }

    /// <summary>Longest random delay before a response (0-10 seconds). Default: 500 milliseconds.</summary>
    public Duration? MaxDelay { get; init; }
}

/// <summary>
/// A fake public partner API for the sample app: paged data (page number, offset/limit or cursor) with random delays
/// and errors, so an <see cref="ApiPoller"/> can be deployed and watched without a real partner. It has no
/// authorization by design (it is the stand-in for a public partner): never put real data behind it.
/// </summary>
public class DemoPartnerApi : Construct
{
    /// <summary>The HTTP API.</summary>
    public IHttpApi Api { get; }

    /// <summary>Base URL (<c>https://{id}.execute-api.{region}.amazonaws.com</c>); the collection is served at <c>/items</c>.</summary>
    public string Url { get; }

    /// <summary>The bundled demo handler.</summary>
    public IFunction Function { get; }

    /// <summary>Creates the demo partner.</summary>
    public DemoPartnerApi(Construct scope, string id, DemoPartnerApiProps? props = null)
        : base(scope, id)
    {
        props ??= new DemoPartnerApiProps();
        new PropsValidator(nameof(DemoPartnerApi))
            .Whole((nameof(props.TotalItems), props.TotalItems))
            .When(PropsValidator.OutOfRange(props.TotalItems, 1, 100_000_000), nameof(props.TotalItems), "must be between 1 and 100,000,000", props.TotalItems, "the default is 2,500")
            .When(PropsValidator.OutOfRange(props.ErrorRate, 0, 0.9), nameof(props.ErrorRate), "must be between 0 and 0.9", props.ErrorRate, "the default is 0.05")
            .When(props.MaxDelay is { } d && d.ToMilliseconds() > 10_000, nameof(props.MaxDelay), "must be at most 10 seconds", props.MaxDelay, "the default is 500 milliseconds")
            .ThrowIfAny();

        var function = HandlerFunctions.CreateBundled(this, "Function", BundledHandlers.ApiPollerDemoPartner, new FunctionSettings
        {
            Description = "Demo partner API: paged fake data with random delays and errors (sample app only).",
            MemorySize = 256,
            Timeout = Duration.Seconds(29),
            Environment = new Dictionary<string, string>
            {
                ["DEMO_TOTAL_ITEMS"] = (props.TotalItems ?? 2500).ToString(CultureInfo.InvariantCulture),
                ["DEMO_ERROR_RATE"] = (props.ErrorRate ?? 0.05).ToString(CultureInfo.InvariantCulture),
                ["DEMO_MAX_DELAY_MS"] = (props.MaxDelay ?? Duration.Millis(500)).ToMilliseconds().ToString(CultureInfo.InvariantCulture),
            },
            LogRetention = RetentionDays.ONE_WEEK,
        });
        Function = function;
        var api = new HttpApi(this, "Api", new HttpApiProps
        {
            Description = "Demo partner API (public, fake data).",
            DefaultIntegration = new HttpLambdaIntegration("Integration", function, new HttpLambdaIntegrationProps
            {
                PayloadFormatVersion = PayloadFormatVersion.VERSION_2_0,
            }),
        });
        _ = HttpApiStage.Configure(this, "ApiLogs", api, RetentionDays.ONE_WEEK, 100, 200);
        Api = api;
        Url = api.ApiEndpoint;

        Suppressions.PublicRoutes(api, "The demo partner stands in for a public partner API and serves only generated data: no authorization by design.");
        NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ", "Invoked only synchronously by API Gateway, which returns every failure to the caller."));
    }
}
