using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using FluentAssertions;
using Xunit;

namespace Patterns.Cdk.Testing.Tests;

public class ScrubbedTemplateTests
{
    // A function whose code asset holds `code`, published as its current version behind an alias.
    private static Stack FunctionStack(App app, string code, TempDir dir)
    {
        var assetDir = Path.Combine(dir.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(assetDir);
        File.WriteAllText(Path.Combine(assetDir, "bootstrap"), code);
        var stack = new Stack(app, "Functions");
        var fn = new Function(stack, "Handler", new FunctionProps
        {
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.ARM_64,
            Handler = "bootstrap",
            Code = Code.FromAsset(assetDir),
        });
        _ = new Alias(stack, "Live", new AliasProps { AliasName = "live", Version = fn.CurrentVersion });
        return stack;
    }

    private static string Raw(Stack stack) =>
        Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON());

    [Fact]
    public void Two_syntheses_with_different_asset_contents_scrub_to_the_same_text()
    {
        using var dir = new TempDir();
        var first = FunctionStack(CdkTestApp.Create(dir.Write("cdk.json", "{}")), "echo one", dir);
        var second = FunctionStack(CdkTestApp.Create(dir.Write("cdk.json", "{}")), "echo two", dir);

        Raw(first).Should().NotBe(Raw(second), "the asset hash and the version's logical id differ");
        var scrubbed = ScrubbedTemplate.FromStack(first).ToJson();
        scrubbed.Should().Be(ScrubbedTemplate.FromStack(second).ToJson());
        scrubbed.Should().Contain("\"[HASH].zip\"").And.MatchRegex("HandlerCurrentVersion[0-9A-F]{8}\\[HASH\\]");
        scrubbed.Should().NotMatchRegex("[0-9a-f]{64}");
    }

    [Fact]
    public void Metadata_path_metadata_and_bootstrap_noise_are_removed_and_your_own_sections_kept()
    {
        // A plain App with every kind of noise on (as the CLI synthesizes).
        var app = new App(new AppProps
        {
            AnalyticsReporting = true,
            Context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true },
        });
        var stack = new Stack(app, "Noisy");
        var stage = new CfnParameter(stack, "Stage", new CfnParameterProps { Default = "test" });
        var isProd = new CfnCondition(stack, "IsProd", new CfnConditionProps { Expression = Fn.ConditionEquals(stage.ValueAsString, "prod") });
        var topic = new Amazon.CDK.AWS.SNS.CfnTopic(stack, "Topic");
        topic.CfnOptions.Condition = isProd;
        topic.AddMetadata("owner", "claims");
        var raw = JsonNode.Parse(Raw(stack))!;
        raw["Resources"]!.AsObject().Should().Contain(r => (string?)r.Value!["Type"] == "AWS::CDK::Metadata");
        raw["Parameters"]!.AsObject().Select(p => p.Key).Should().Contain("BootstrapVersion");

        var scrubbed = ScrubbedTemplate.FromStack(stack).ToJsonNode();

        scrubbed["Resources"]!.AsObject().Select(r => r.Key).Should().Equal("Topic");
        scrubbed["Resources"]!["Topic"]!["Metadata"]!.ToJsonString().Should().Be("""{"owner":"claims"}""");
        scrubbed["Parameters"]!.AsObject().Select(p => p.Key).Should().Equal("Stage");
        scrubbed["Conditions"]!.AsObject().Select(c => c.Key).Should().Equal("IsProd");
        scrubbed.AsObject().ContainsKey("Rules").Should().BeFalse();
    }

    [Fact]
    public void A_resource_left_with_cdk_metadata_only_loses_its_metadata_block()
    {
        var scrubbed = ScrubbedTemplate.FromJson("""
            {"Resources":{"Q":{"Type":"AWS::SQS::Queue","Metadata":{"aws:cdk:path":"S/Q/Resource","aws:asset:path":"asset.x"}}}}
            """).ToJsonNode();

        scrubbed["Resources"]!["Q"]!.AsObject().Select(p => p.Key).Should().Equal("Type");
    }

    [Fact]
    public void Keys_are_sorted_at_every_level_unless_asked_to_keep_the_synthesized_order()
    {
        const string json = """{"Resources":{"B":{"Type":"T","Properties":{"z":1,"a":[{"y":1,"x":2}]}},"A":{"Type":"T"}},"Outputs":{}}""";

        ScrubbedTemplate.FromJson(json).ToJsonNode().ToJsonString().Should().Be(
            """{"Outputs":{},"Resources":{"A":{"Type":"T"},"B":{"Properties":{"a":[{"x":2,"y":1}],"z":1},"Type":"T"}}}""");
        ScrubbedTemplate.FromJson(json, new ScrubOptions { SortKeys = false }).ToJsonNode().ToJsonString().Should().Be(json);
    }

    [Fact]
    public void Json_text_is_indented_with_unix_line_ends_and_readable_characters()
    {
        var text = ScrubbedTemplate.FromJson("""{"Outputs":{"Url":{"Value":{"Fn::Join":["",["https://<api>&",{"Ref":"X"}]]}}}}""").ToJson();

        text.Should().StartWith("{\n  \"Outputs\": {").And.Contain("https://<api>&").And.NotContain("\r");
        ScrubbedTemplate.FromJson("{}").ToString().Should().Be("{}");
    }

    [Fact]
    public void Only_a_full_sha256_is_a_hash()
    {
        var node = ScrubbedTemplate.FromJson(new JsonObject
        {
            ["Resources"] = new JsonObject
            {
                ["R"] = new JsonObject
                {
                    ["Type"] = "T",
                    ["Properties"] = new JsonObject { ["Short"] = new string('a', 63), ["Long"] = "x" + new string('b', 64) + ".zip", ["Upper"] = new string('C', 64) },
                },
            },
        }.ToJsonString()).ToJsonNode();

        var properties = node["Resources"]!["R"]!["Properties"]!;
        ((string?)properties["Short"]).Should().Be(new string('a', 63));
        ((string?)properties["Long"]).Should().Be("x[HASH].zip");
        ((string?)properties["Upper"]).Should().Be(new string('C', 64));
    }

    [Fact]
    public void Not_a_template_is_rejected() =>
        FluentActions.Invoking(() => ScrubbedTemplate.FromJson("[1,2]")).Should().Throw<ArgumentException>();

    [Fact]
    public void A_nested_stack_is_scrubbed_from_its_own_template()
    {
        using var dir = new TempDir();
        var parent = new Stack(CdkTestApp.Create(dir.Write("cdk.json", "{}")), "Parent");
        var nested = new NestedStack(parent, "Child");
        _ = new Amazon.CDK.AWS.SQS.Queue(nested, "Inner");

        ScrubbedTemplate.FromStack(nested).ToJsonNode()["Resources"]!.AsObject()
            .Should().ContainSingle(r => (string?)r.Value!["Type"] == "AWS::SQS::Queue");
        ScrubbedTemplate.FromStack(parent).ToJson().Should().Contain("AWS::CloudFormation::Stack").And.NotContain("AWS::SQS::Queue");
    }

    [Fact]
    public void A_copy_of_the_node_does_not_change_the_template()
    {
        var scrubbed = ScrubbedTemplate.FromJson("""{"Resources":{}}""");
        scrubbed.ToJsonNode()["Resources"]!.AsObject().Add("X", new JsonObject());

        scrubbed.ToJson().Should().NotContain("X");
    }
}
