using System.Reflection;
using Amazon.CDK;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Patterns.Cdk.EventDrivenSettlement;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.MwaaScheduler;
using Patterns.Cdk.PrivateUploadApi;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// NaN and ±Infinity in any number of any props type are refused with the prop's name: the test finds every
/// <c>double</c> and <c>float</c> property of every public type in the package, so a new construct's props are
/// covered (and must be registered below) the day they are added.
/// </summary>
public class NonFiniteNumberTests
{
    /// <summary>
    /// How to build each type that has numeric props: a valid instance, and how to construct the owning construct
    /// from it (a nested type is wrapped into its parent's props). The path is how messages name its props.
    /// </summary>
    private static readonly Dictionary<Type, (Func<object> Valid, Action<Stack, object> Construct, string Path)> Owners = new()
    {
        [typeof(ApiPollerProps)] = (() => ApiPollerSynth.Minimal(), (s, p) => _ = new ApiPoller.ApiPoller(s, "Poller", (ApiPollerProps)p), ""),
        [typeof(PartnerSource)] = (() => ApiPollerSynth.Orders(), (s, p) => _ = new ApiPoller.ApiPoller(s, "Poller", new() { Sources = [(PartnerSource)p] }), "Sources[0]."),
        [typeof(SourceParameter)] = (() => new SourceParameter { Name = "since" },
            (s, p) => _ = new ApiPoller.ApiPoller(s, "Poller", new() { Sources = [WithParameter((SourceParameter)p)] }), "Sources[0].Parameters[0]."),
        [typeof(DemoPartnerApiProps)] = (() => new DemoPartnerApiProps(), (s, p) => _ = new DemoPartnerApi(s, "Partner", (DemoPartnerApiProps)p), ""),
        [typeof(FaceBlurPipelineProps)] = (() => new FaceBlurPipelineProps(), (s, p) => _ = new FaceBlurPipeline.FaceBlurPipeline(s, "Blur", (FaceBlurPipelineProps)p), ""),
        [typeof(RecursionSafeS3ProcessorProps)] = (() => new RecursionSafeS3ProcessorProps(),
            (s, p) => _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(s, "Processor", (RecursionSafeS3ProcessorProps)p), ""),
        [typeof(EventDrivenSettlementProps)] = (() => new EventDrivenSettlementProps { EnableRestApi = true },
            (s, p) => _ = new EventDrivenSettlement.EventDrivenSettlement(s, "Settlement", (EventDrivenSettlementProps)p), ""),
        [typeof(MwaaSchedulerProps)] = (() => new MwaaSchedulerProps { EnvironmentName = MwaaSynth.Environment, ExecutionRoleArn = MwaaSynth.ExecutionRoleArn, DagBucket = null! },
            (s, p) => _ = new MwaaScheduler.MwaaScheduler(s, "Scheduler", WithDagBucket(s, (MwaaSchedulerProps)p)), ""),
        [typeof(PrivateUploadApiProps)] = (() => new PrivateUploadApiProps(),
            (s, p) => _ = new PrivateUploadApi.PrivateUploadApi(s, "Uploads", (PrivateUploadApiProps)p), ""),
    };

    /// <summary>The DAG bucket needs the stack, which exists only once the case constructs.</summary>
    private static MwaaSchedulerProps WithDagBucket(Stack stack, MwaaSchedulerProps props)
    {
        typeof(MwaaSchedulerProps).GetProperty(nameof(MwaaSchedulerProps.DagBucket))!.SetValue(props, Amazon.CDK.AWS.S3.Bucket.FromBucketName(stack, "Dags", MwaaSynth.DagBucketName));
        return props;
    }

    private static IEnumerable<PropertyInfo> NumericProps() =>
        typeof(ApiPollerProps).Assembly.GetExportedTypes()
            // Props are built with object initializers; results the package computes (e.g. MwaaSavingsEstimate, a
            // positional record) have no parameterless constructor and are never user input.
            .Where(t => t.GetConstructor(Type.EmptyTypes) is not null)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.CanWrite && (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var type && (type == typeof(double) || type == typeof(float)));

    public static TheoryData<string, string, double> Cases()
    {
        var data = new TheoryData<string, string, double>();
        foreach (var prop in NumericProps())
        {
            foreach (var value in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                data.Add(prop.DeclaringType!.Name, prop.Name, value);
            }
        }

        return data;
    }

    [Fact]
    public void Every_props_type_with_numbers_is_covered()
    {
        NumericProps().Select(p => p.DeclaringType!).Distinct().Should().BeSubsetOf(Owners.Keys,
            "a props type with numbers must be registered in Owners so NaN and Infinity are proven to be refused");
        NumericProps().Should().HaveCountGreaterThan(25, "the constructs and their nested props have that many numbers");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_non_finite_number_is_refused_with_the_prop_named(string type, string prop, double value)
    {
        var owner = Owners.Single(o => o.Key.Name == type);
        var props = owner.Value.Valid();
        var property = owner.Key.GetProperty(prop)!;
        property.SetValue(props, property.PropertyType == typeof(float?) ? (float)value : value);

        var act = () => owner.Value.Construct(TestApp.NewStack(), props);

        var got = double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain($" - {owner.Value.Path}{prop}: ").And.Contain($"(got {got})");
    }

    [Theory]
    [InlineData("ApiPollerProps", "MaxReceiveCount", 2.5)]
    [InlineData("ApiPollerProps", "FetcherMemorySize", 512.5)]
    [InlineData("ApiPollerProps", "ConsumerMaxConcurrency", 10.5)]
    [InlineData("ApiPollerProps", "PagesPerBatch", 25.5)]
    [InlineData("ApiPollerProps", "ApiBurstLimit", 100.5)]
    [InlineData("PartnerSource", "PageSize", 100.5)]
    [InlineData("PartnerSource", "MaxPages", 1000.5)]
    [InlineData("PartnerSource", "MaxConcurrency", 2.5)]
    [InlineData("PartnerSource", "MaxPageBytes", 4096.5)]
    [InlineData("PartnerSource", "MaxAttempts", 3.5)]
    [InlineData("SourceParameter", "MaxLength", 10.5)]
    [InlineData("DemoPartnerApiProps", "TotalItems", 100.5)]
    [InlineData("FaceBlurPipelineProps", "MaxReceiveCount", 2.5)]
    [InlineData("FaceBlurPipelineProps", "WorkerMemorySize", 2048.5)]
    [InlineData("RecursionSafeS3ProcessorProps", "MaxReceiveCount", 2.5)]
    [InlineData("RecursionSafeS3ProcessorProps", "ProcessorMemorySize", 512.5)]
    [InlineData("EventDrivenSettlementProps", "MaxReceiveCount", 2.5)]
    [InlineData("EventDrivenSettlementProps", "ConsumerMemorySize", 512.5)]
    [InlineData("EventDrivenSettlementProps", "ConsumerMaxConcurrency", 10.5)]
    [InlineData("EventDrivenSettlementProps", "ApiBurstLimit", 100.5)]
    [InlineData("EventDrivenSettlementProps", "ContainerMinCapacity", 1.5)]
    [InlineData("PrivateUploadApiProps", "ThrottlingBurstLimit", 100.5)]
    [InlineData("PrivateUploadApiProps", "MaxUploadBytes", 1048576.5)]
    [InlineData("PrivateUploadApiProps", "DirectUploadMaxBytes", 1024.5)]
    public void A_fractional_count_or_size_is_refused_with_the_prop_named(string type, string prop, double value)
    {
        var owner = Owners.Single(o => o.Key.Name == type);
        var props = owner.Value.Valid();
        owner.Key.GetProperty(prop)!.SetValue(props, value);

        var act = () => owner.Value.Construct(TestApp.NewStack(), props);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(
            $" - {owner.Value.Path}{prop}: must be a whole number (got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}); round it, e.g. ");
    }

    private static PartnerSource WithParameter(SourceParameter parameter) => new()
    {
        Name = "orders", BaseUrl = "https://partner.example.com/v1/orders", TotalField = "total", Parameters = [parameter],
    };
}
