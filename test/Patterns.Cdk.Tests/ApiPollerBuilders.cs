using Amazon.CDK;
using Amazon.CDK.Assertions;
using Patterns.Cdk.ApiPoller;

namespace Patterns.Cdk.Tests;

/// <summary>Shorthands for synthesizing one ApiPoller.</summary>
internal static class ApiPollerSynth
{
    /// <summary>The least a user must say: one https source with its total field.</summary>
    public static PartnerSource Orders(Func<PartnerSource, PartnerSource>? change = null)
    {
        var source = new PartnerSource { Name = "orders", BaseUrl = "https://partner.example.com/v1/orders", TotalField = "total" };
        return change is null ? source : change(source);
    }

    public static ApiPollerProps Minimal() => new() { Sources = [Orders()] };

    public static (Stack Stack, ApiPoller.ApiPoller Poller, Template Template) Poller(ApiPollerProps? props = null, Action<Stack>? before = null)
    {
        var stack = TestApp.NewStack();
        before?.Invoke(stack);
        var poller = new ApiPoller.ApiPoller(stack, "Poller", props ?? Minimal());
        return (stack, poller, TestApp.Template(stack));
    }

    /// <summary>Constructs a poller in a fresh stack and returns what construction threw.</summary>
    public static Action Constructing(Func<Stack, ApiPollerProps> props) => () =>
    {
        var stack = TestApp.NewStack();
        _ = new ApiPoller.ApiPoller(stack, "Poller", props(stack));
    };
}
