using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using FluentAssertions;
using Xunit;

namespace Patterns.Cdk.Testing.Tests;

public class CdkTestAppTests
{
    private const string MinimizePolicies = "@aws-cdk/aws-iam:minimizePolicies";

    // Two statements on the same resource: with minimizePolicies on, the CDK merges them into one.
    private static int StatementCount(App app)
    {
        var stack = new Stack(app, "Flags");
        var role = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:GetObject"], Resources = ["arn:aws:s3:::bucket/*"] }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:PutObject"], Resources = ["arn:aws:s3:::bucket/*"] }));
        var template = JsonNode.Parse(ScrubbedTemplate.FromStack(stack).ToJson())!;
        return template["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::IAM::Policy")
            .Value!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Count;
    }

    [Fact]
    public void Feature_flags_of_a_cdk_json_are_applied_to_the_template()
    {
        using var dir = new TempDir();
        var on = dir.Write("on/cdk.json", $$$"""{"app":"dotnet run","context":{"{{{MinimizePolicies}}}":true}}""");
        var off = dir.Write("off/cdk.json", $$$"""{"app":"dotnet run","context":{"{{{MinimizePolicies}}}":false}}""");

        StatementCount(CdkTestApp.Create(on)).Should().Be(1);
        StatementCount(CdkTestApp.Create(off)).Should().Be(2);
    }

    [Fact]
    public void Every_context_value_kind_reaches_the_app()
    {
        using var dir = new TempDir();
        var path = dir.Write("cdk.json", """
            {"context":{"flag":true,"name":"claims","count":3,"zones":["a","b"],"nested":{"k":"v"}}}
            """);

        var app = CdkTestApp.Create(path);

        app.Node.TryGetContext("flag").Should().Be(true);
        app.Node.TryGetContext("name").Should().Be("claims");
        Convert.ToDouble(app.Node.TryGetContext("count"), System.Globalization.CultureInfo.InvariantCulture).Should().Be(3);
        ((object[])app.Node.TryGetContext("zones")).Should().Equal("a", "b");
        app.Node.TryGetContext("nested").Should().NotBeNull();
    }

    [Fact]
    public void A_directory_stands_for_its_cdk_json_and_options_context_wins_over_the_file()
    {
        using var dir = new TempDir();
        dir.Write("cdk.json", """{"context":{"stage":"prod","other":"kept"}}""");

        var app = CdkTestApp.Create(dir.Path, new CdkTestAppOptions { Context = new Dictionary<string, object> { ["stage"] = "test" } });

        app.Node.TryGetContext("stage").Should().Be("test");
        app.Node.TryGetContext("other").Should().Be("kept");
    }

    [Fact]
    public void Reporting_and_metadata_noise_is_off_even_when_the_cdk_json_turns_it_on()
    {
        using var dir = new TempDir();
        var path = dir.Write("cdk.json", """
            {"context":{"aws:cdk:version-reporting":true,"aws:cdk:enable-path-metadata":true,"aws:cdk:enable-asset-metadata":true}}
            """);
        static string Synth(App app)
        {
            var stack = new Stack(app, "Quiet");
            _ = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
            return Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON());
        }

        // The same context in a plain App: the noise is there.
        Synth(new App(new AppProps { Context = CdkTestApp.ReadContext(path) })).Should().Contain("AWS::CDK::Metadata").And.Contain("aws:cdk:path");
        Synth(CdkTestApp.Create(path)).Should().Contain("AWS::IAM::Role").And.NotContain("AWS::CDK::Metadata").And.NotContain("aws:cdk:path");
    }

    // A function whose asset bundles in an image no registry serves: bundling it fails wherever it runs.
    private static Stack BundledStack(CdkTestAppOptions? options)
    {
        // The asset is staged (or bundled) while the function is constructed; the source folder can go afterwards.
        using var dir = new TempDir();
        dir.Write("src/handler.py", "def handler(event, context):\n    return event\n");
        var stack = new Stack(CdkTestApp.Create(dir.Write("cdk.json", "{}"), options), "Bundled");
        _ = new Function(stack, "Fn", new FunctionProps
        {
            Runtime = Runtime.PYTHON_3_12,
            Handler = "handler.handler",
            Code = Code.FromAsset(Path.Combine(dir.Path, "src"), new Amazon.CDK.AWS.S3.Assets.AssetOptions
            {
                Bundling = new BundlingOptions
                {
                    Image = DockerImage.FromRegistry("registry.invalid/no-such-image:1"),
                    Command = ["false"],
                },
            }),
        });
        return stack;
    }

    [Fact]
    public void Bundling_is_skipped_so_a_bundled_asset_synthesizes_without_docker()
    {
        FluentActions.Invoking(() => BundledStack(null)).Should().NotThrow();
        FluentActions.Invoking(() => BundledStack(new CdkTestAppOptions { SkipBundling = false })).Should().Throw<Exception>("bundling runs when asked to");
    }

    [Fact]
    public void The_nearest_cdk_json_above_a_directory_is_found()
    {
        using var dir = new TempDir();
        var file = dir.Write("app/cdk.json", "{}");
        var deep = Path.Combine(dir.Path, "app", "test", "bin", "Debug");
        Directory.CreateDirectory(deep);

        CdkTestApp.FindCdkJson(deep).Should().Be(file);
        CdkTestApp.FindCdkJson(Path.Combine(dir.Path, "app")).Should().Be(file);
    }

    [Fact]
    public void A_missing_explicit_cdk_json_throws()
    {
        using var dir = new TempDir();
        FluentActions.Invoking(() => CdkTestApp.Create(Path.Combine(dir.Path, "cdk.json"))).Should().Throw<FileNotFoundException>();
    }

    [Theory]
    [InlineData("""{"context":["not","an","object"]}""", "*\"context\" must be an object*")]
    [InlineData("""{"context":{"x":null}}""", "*context.x*null*")]
    [InlineData("""{"context":""", "*not valid JSON*")]
    public void A_bad_context_is_reported_with_where_it_is(string json, string message)
    {
        using var dir = new TempDir();
        var path = dir.Write("cdk.json", json);
        FluentActions.Invoking(() => CdkTestApp.ReadContext(path)).Should().Throw<InvalidDataException>().WithMessage(message);
    }

    [Fact]
    public void A_cdk_json_without_context_gives_no_flags()
    {
        using var dir = new TempDir();
        CdkTestApp.ReadContext(dir.Write("cdk.json", """{"app":"dotnet run"}""")).Should().BeEmpty();
    }
}
