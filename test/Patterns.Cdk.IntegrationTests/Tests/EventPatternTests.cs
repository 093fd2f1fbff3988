using System.Text.Json.Nodes;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>The local EventBridge pattern matcher and Pipes input transformation, checked against AWS's documented examples.</summary>
public sealed class EventPatternTests
{
    private static readonly JsonObject Event = JsonNode.Parse("""
        {"id":"e-1","source":"fraud.service","detail-type":"Fraud.Not.Detected","account":"123456789012",
         "detail":{"claimId":"c-1","documentType":"CAR","fraudType":"CLAIMS","amount":1250.5,"tags":["red","blue"],
                   "damage":{"level":"MINOR"},"note":null}}
        """)!.AsObject();

    [Theory]
    [InlineData("""{"source":["fraud.service"]}""", true)]
    [InlineData("""{"source":["other"]}""", false)]
    [InlineData("""{"source":["other","fraud.service"],"detail-type":["Fraud.Not.Detected"]}""", true)]
    [InlineData("""{"detail":{"documentType":["CAR"],"damage":{"level":["MINOR"]}}}""", true)]
    [InlineData("""{"detail":{"damage":{"level":["SEVERE"]}}}""", false)]
    [InlineData("""{"detail":{"tags":["blue"]}}""", true)]
    [InlineData("""{"detail":{"amount":[1250.50]}}""", true)]
    [InlineData("""{"detail":{"amount":["1250.5"]}}""", false)]
    [InlineData("""{"detail":{"note":[null]}}""", true)]
    [InlineData("""{"detail":{"missing":[null]}}""", false)]
    [InlineData("""{"detail-type":[{"prefix":"Fraud."}]}""", true)]
    [InlineData("""{"detail-type":[{"prefix":{"equals-ignore-case":"fraud.not"}}]}""", true)]
    [InlineData("""{"detail-type":[{"suffix":".Detected"}]}""", true)]
    [InlineData("""{"detail-type":[{"suffix":".Finalized"}]}""", false)]
    [InlineData("""{"source":[{"equals-ignore-case":"FRAUD.SERVICE"}]}""", true)]
    [InlineData("""{"detail":{"documentType":[{"anything-but":"HOME"}]}}""", true)]
    [InlineData("""{"detail":{"documentType":[{"anything-but":["CAR","HOME"]}]}}""", false)]
    [InlineData("""{"detail":{"documentType":[{"anything-but":{"prefix":"CA"}}]}}""", false)]
    [InlineData("""{"detail":{"missing":[{"anything-but":"x"}]}}""", false)]
    [InlineData("""{"detail":{"amount":[{"numeric":[">",1000,"<=",1250.5]}]}}""", true)]
    [InlineData("""{"detail":{"amount":[{"numeric":["<",1000]}]}}""", false)]
    [InlineData("""{"detail":{"claimId":[{"exists":true}],"missing":[{"exists":false}]}}""", true)]
    [InlineData("""{"detail":{"claimId":[{"exists":false}]}}""", false)]
    [InlineData("""{"detail":{"missing":{"deeper":[{"exists":false}]}}}""", true)]
    [InlineData("""{"source":[{"wildcard":"fraud.*"}]}""", true)]
    [InlineData("""{"$or":[{"source":["x"]},{"detail":{"fraudType":["CLAIMS"]}}]}""", true)]
    [InlineData("""{"$or":[{"source":["x"]},{"detail":{"fraudType":["DOCUMENT"]}}]}""", false)]
    public void Matches_as_EventBridge_documents(string pattern, bool expected) =>
        EventPattern.Parse(pattern).Matches(Event).Should().Be(expected, pattern);

    [Theory]
    [InlineData("""{"source":[{"cidr":"10.0.0.0/24"}]}""")]
    [InlineData("""{"source":"fraud.service"}""")]
    [InlineData("""{"source":[{"prefix":"a","suffix":"b"}]}""")]
    public void Rejects_what_it_does_not_implement_instead_of_guessing(string pattern) =>
        FluentActions.Invoking(() => EventPattern.Parse(pattern)).Should().Throw<NotSupportedException>();

    [Fact]
    public void A_filter_passes_a_record_matching_any_of_its_patterns()
    {
        var properties = JsonNode.Parse("""
            {"FilterCriteria":{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"},{"Pattern":"{\"eventName\":[\"REMOVE\"]}"}]}}
            """)!.AsObject();
        EventFilter filter = EventFilter.From(properties);

        filter.Matches(JsonNode.Parse("""{"eventName":"INSERT"}""")!.AsObject()).Should().BeTrue();
        filter.Matches(JsonNode.Parse("""{"eventName":"REMOVE"}""")!.AsObject()).Should().BeTrue();
        filter.Matches(JsonNode.Parse("""{"eventName":"MODIFY"}""")!.AsObject()).Should().BeFalse();
    }

    [Fact]
    public void An_input_template_puts_text_inside_strings_and_json_outside()
    {
        var record = JsonNode.Parse("""
            {"eventName":"INSERT","dynamodb":{"NewImage":{"claimId":{"S":"c \"1\""},"amount":{"N":"12.5"},"tags":{"L":[{"S":"a"}]}}}}
            """)!;
        var template = new PipeInputTemplate("""
            {"v":1,"claimId":"<$.dynamodb.NewImage.claimId.S>","label":"claim <$.dynamodb.NewImage.claimId.S>!","amount":"<$.dynamodb.NewImage.amount.N>","first":<$.dynamodb.NewImage.tags.L[0]>,"image":<$.dynamodb.NewImage.amount>}
            """);

        JsonObject detail = template.RenderJson(record);

        detail["v"]!.GetValue<int>().Should().Be(1);
        detail["claimId"]!.GetValue<string>().Should().Be("c \"1\"");
        detail["label"]!.GetValue<string>().Should().Be("claim c \"1\"!");
        detail["amount"]!.GetValue<string>().Should().Be("12.5");
        detail["first"]!.ToJsonString().Should().Be("""{"S":"a"}""");
        detail["image"]!.ToJsonString().Should().Be("""{"N":"12.5"}""");
    }

    [Fact]
    public void An_input_template_naming_a_missing_attribute_fails_instead_of_guessing()
    {
        var template = new PipeInputTemplate("""{"x":"<$.dynamodb.NewImage.missing.S>"}""");

        FluentActions.Invoking(() => template.Render(JsonNode.Parse("""{"dynamodb":{"NewImage":{}}}""")!))
            .Should().Throw<KeyNotFoundException>().WithMessage("*<$.dynamodb.NewImage.missing.S>*");
    }
}
