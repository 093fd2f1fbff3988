using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>The gate every test template passes through fails where it must (it is not a gate that cannot fail).</summary>
public class RuntimeGateTests
{
    private static readonly RuntimeTable Table = RuntimeTable.Parse("""
        {"checked":"2026-12-04","marginDays":90,"runtimes":{
          "nodejs20.x":{"createBlock":"2026-06-01","updateBlock":"2026-07-01"},
          "nodejs22.x":{"createBlock":"2027-06-01","updateBlock":"2027-07-01"},
          "dotnet10":{"createBlock":"2028-12-14","updateBlock":"2029-01-15"}}}
        """);

    private static readonly DateOnly Today = new(2026, 12, 4);

    private static JsonObject Function(string runtimeJson) => new JsonObject
    {
        ["Resources"] = new JsonObject
        {
            ["Fn"] = new JsonObject
            {
                ["Type"] = "AWS::Lambda::Function",
                ["Properties"] = new JsonObject { ["Runtime"] = JsonNode.Parse(runtimeJson) },
            },
        },
    };

    [Fact]
    public void A_runtime_far_from_its_block_dates_passes() =>
        RuntimeGate.Problems(Function("\"dotnet10\""), Table, Today).Should().BeEmpty();

    [Fact]
    public void A_runtime_whose_create_and_update_blocks_have_passed_fails_twice()
    {
        var problems = RuntimeGate.Problems(Function("\"nodejs20.x\""), Table, Today);

        problems.Should().BeEquivalentTo(
            "Fn: Lambda blocks creation of nodejs20.x functions since 2026-06-01; use a current runtime",
            "Fn: Lambda blocks update of nodejs20.x functions since 2026-07-01; use a current runtime");
    }

    [Fact]
    public void A_block_date_within_the_margin_fails_before_it_arrives()
    {
        var problems = RuntimeGate.Problems(Function("\"nodejs22.x\""), Table, new DateOnly(2027, 3, 10));

        problems.Should().ContainSingle().Which.Should().Be(
            "Fn: Lambda blocks creation of nodejs22.x functions on 2027-06-01, within 90 days; use a current runtime");
    }

    [Fact]
    public void An_unknown_runtime_fails() =>
        RuntimeGate.Problems(Function("\"python3.99\""), Table, Today).Should().ContainSingle()
            .Which.Should().Contain("python3.99 is not in the table");

    [Fact]
    public void Every_runtime_a_region_mapping_can_pick_is_checked()
    {
        var template = JsonNode.Parse("""
            {"Mappings":{"Latest":{"eu-west-1":{"value":"nodejs22.x"},"cn-north-1":{"value":"nodejs20.x"}}},
             "Resources":{"Fn":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":{"Fn::FindInMap":["Latest",{"Ref":"AWS::Region"},"value"]}}}}}
            """)!;

        RuntimeGate.Problems(template, Table, Today).Should().HaveCount(2).And.OnlyContain(p => p.Contains("nodejs20.x"));
    }

    [Fact]
    public void Check_throws_with_every_problem_listed() =>
        FluentActions.Invoking(() => RuntimeGate.Check(Function("\"nodejs20.x\""), Table, Today))
            .Should().Throw<InvalidOperationException>().WithMessage("*checked 2026-12-04*creation of nodejs20.x*update of nodejs20.x*");

    [Fact]
    public void The_repository_table_knows_the_runtime_of_every_bundled_handler()
    {
        // TestApp.Template runs this gate on every template the construct tests synthesize; a stack with our
        // constructs therefore has to pass it with the real table and today's date.
        var stack = TestApp.NewStack();
        _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new FaceBlurPipeline.FaceBlurPipelineProps());

        FluentActions.Invoking(() => TestApp.Template(stack)).Should().NotThrow();
    }
}
