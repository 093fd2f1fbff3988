using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class JobParametersTests
{
    [Fact]
    public void Accepts_declared_string_parameters_and_sorts_them_by_name()
    {
        ParameterValidation result = Validate("""{"since": "2024-01-01", "mode": "full", "region": "eu"}""");

        result.IsValid.Should().BeTrue();
        result.Problems.Should().BeEmpty();
        result.Parameters!.Values.Select(p => p.Key).Should().Equal("mode", "region", "since");
        result.Parameters["since"].Should().Be("2024-01-01");
        result.Parameters["absent"].Should().BeNull();
        result.Parameters.ToJson().Should().Be("""{"mode":"full","region":"eu","since":"2024-01-01"}""");
    }

    [Theory]
    [InlineData("""{"since": "2024-01-01", "limit": "5"}""", "parameter 'limit' is not accepted by source 'orders'")]
    [InlineData("""{"region": "eu"}""", "parameter 'since' is required")]
    [InlineData("""{"since": "01/01/2024"}""", "parameter 'since' does not match the pattern")]
    [InlineData("""{"since": "2024-01-01x"}""", "parameter 'since' is longer than 10 characters")]
    [InlineData("""{"since": "2024-01-01", "mode": "fullish"}""", "parameter 'mode' does not match the pattern full|delta")]
    [InlineData("""{"since": "2024-01-01", "region": "europe-west"}""", "parameter 'region' is longer than 8 characters")]
    [InlineData("""{"since": 20240101}""", "parameter 'since' must be a string (got number)")]
    [InlineData("""{"since": null}""", "parameter 'since' must be a string (got null)")]
    [InlineData("""{"since": ["2024-01-01"]}""", "parameter 'since' must be a string (got array)")]
    [InlineData("""["since"]""", "parameters must be a JSON object of strings")]
    [InlineData("\"since\"", "parameters must be a JSON object of strings")]
    public void Lists_the_problem_of_invalid_parameters(string json, string problem)
    {
        ParameterValidation result = Validate(json);

        result.IsValid.Should().BeFalse();
        result.Parameters.Should().BeNull();
        result.Problems.Should().ContainMatch($"*{problem}*");
    }

    [Theory]
    [InlineData("fullx")]
    [InlineData("xdelta")]
    [InlineData("deltafull")]
    public void The_pattern_must_match_the_whole_value(string mode)
    {
        // "full|delta" is configured without anchors; each alternative alone must cover the whole value.
        Validate($$"""{"since": "2024-01-01", "mode": "{{mode}}"}""").Problems.Should().ContainSingle().Which.Should().Contain("'mode'");
    }

    [Fact]
    public void Lists_every_problem_and_never_echoes_values()
    {
        ParameterValidation result = Validate("""{"mode": "secret-looking-value", "zz": "other-value"}""");

        result.Problems.Should().HaveCount(3);
        string.Join("\n", result.Problems).Should().NotContain("secret-looking-value").And.NotContain("other-value");
    }

    [Fact]
    public void Caps_the_problem_list_and_shortens_long_names()
    {
        string many = "{" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"p{i}\": \"v\"")) + ", \"" + new string('n', 500) + "\": \"v\"}";

        ParameterValidation result = Validate(many);

        result.Problems.Should().HaveCount(JobParameters.MaxProblems + 1);
        result.Problems[^1].Should().Be("(more problems not listed)");
        Validate("{\"" + new string('n', 500) + "\": \"v\", \"since\": \"2024-01-01\"}").Problems.Single().Length.Should().BeLessThan(150);
    }

    [Fact]
    public void Absent_or_null_parameters_are_none()
    {
        JobParameters.Validate(SourceSamples.Feed, (JsonElement?)null).Parameters.Should().BeSameAs(JobParameters.Empty);
        Validate("null", SourceSamples.Feed).Parameters.Should().BeSameAs(JobParameters.Empty);
        Validate("{}", SourceSamples.Feed).Parameters!.ToJson().Should().Be("{}");
        Validate("null").Problems.Should().Equal("parameter 'since' is required");
    }

    [Fact]
    public void Validates_name_value_pairs_of_a_schedule_the_same_way()
    {
        JobParameters.Validate(SourceSamples.Orders, new Dictionary<string, string> { ["since"] = "2024-01-01" }).IsValid.Should().BeTrue();
        JobParameters.Validate(SourceSamples.Orders, new Dictionary<string, string> { ["since"] = "soon" }).Problems.Should().ContainSingle();
        JobParameters.Validate(SourceSamples.Orders, (IReadOnlyDictionary<string, string>?)null).Problems.Should().Equal("parameter 'since' is required");
    }

    [Fact]
    public void Stored_json_reads_back_to_the_same_parameters()
    {
        JobParameters parameters = Validate("""{"since": "2024-01-01", "mode": "delta"}""").Parameters!;

        JobParameters.FromStoredJson(parameters.ToJson()).Values.Should().Equal(parameters.Values);
        FluentActions.Invoking(() => JobParameters.FromStoredJson("[]")).Should().Throw<JsonException>();
        FluentActions.Invoking(() => JobParameters.FromStoredJson("""{"a": 1}""")).Should().Throw<JsonException>();
    }

    [Fact]
    public void A_catastrophic_pattern_times_out_as_not_matching()
    {
        SourceDefinition source = SourceCatalog.Parse("""
            [{"name": "slow", "baseUrl": "https://x", "pagination": "Cursor", "pageSize": 1,
              "parameters": [{"name": "q", "pattern": "(a+)+b", "maxLength": 2048}]}]
            """).Get("slow");

        ParameterValidation result = JobParameters.Validate(source, new Dictionary<string, string> { ["q"] = new string('a', 2000) + "!" });

        result.Problems.Should().Equal("parameter 'q' does not match the pattern (a+)+b");
    }

    private static ParameterValidation Validate(string json, SourceDefinition? source = null)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JobParameters.Validate(source ?? SourceSamples.Orders, document.RootElement.Clone());
    }
}
