using System.Reflection;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.Tests.Handlers;

/// <summary>
/// Each handler project's <c>bootstrap</c> dispatches on the handler string through its <c>Bootstrap.Handlers</c> table:
/// every entry must name the entry-point class of the same name, and every entry-point class must be in the table (an
/// entry point left out would be unreachable once deployed).
/// </summary>
public sealed class BootstrapTableTests
{
    public static TheoryData<string> Projects() => new() { "RecursionSafeS3Processor", "FaceBlurPipeline", "ApiPoller", "EventDrivenSettlement" };

    [Theory]
    [MemberData(nameof(Projects))]
    public void The_table_serves_exactly_the_entry_points_of_its_project(string project)
    {
        (Assembly assembly, IReadOnlyDictionary<string, Func<LambdaHandler>> table) = Bootstrap(project);

        var entryPoints = assembly.GetExportedTypes()
            .Where(t => t.GetConstructor(Type.EmptyTypes) is not null
                && t.GetMethod("HandleAsync", [typeof(Stream)]) is { } m && m.ReturnType == typeof(Task<Stream>))
            .Select(t => t.Name)
            .ToList();

        entryPoints.Should().NotBeEmpty();
        table.Keys.Should().BeEquivalentTo(entryPoints, "the handler string of each entry point is its class name");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void The_project_is_an_executable_whose_main_runs_the_runtime_loop(string project)
    {
        (Assembly assembly, _) = Bootstrap(project);

        assembly.EntryPoint.Should().NotBeNull("the Native AOT publish turns the project into the bootstrap executable");
        assembly.EntryPoint!.DeclaringType!.Name.Should().Be("Bootstrap");
        assembly.EntryPoint.ReturnType.Should().Be<int>("the exit code tells an init failure from a lost Runtime API (the compiler wraps the async Main)");
    }

    private static (Assembly Assembly, IReadOnlyDictionary<string, Func<LambdaHandler>> Table) Bootstrap(string project) => project switch
    {
        "RecursionSafeS3Processor" => (typeof(Functions.RecursionSafeS3Processor.Bootstrap).Assembly, Functions.RecursionSafeS3Processor.Bootstrap.Handlers),
        "FaceBlurPipeline" => (typeof(Functions.FaceBlurPipeline.Bootstrap).Assembly, Functions.FaceBlurPipeline.Bootstrap.Handlers),
        "ApiPoller" => (typeof(Functions.ApiPoller.Bootstrap).Assembly, Functions.ApiPoller.Bootstrap.Handlers),
        "EventDrivenSettlement" => (typeof(Functions.EventDrivenSettlement.Bootstrap).Assembly, Functions.EventDrivenSettlement.Bootstrap.Handlers),
        _ => throw new ArgumentOutOfRangeException(nameof(project), project, "not a handler project"),
    };
}
