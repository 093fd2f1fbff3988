using System.Text;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using static Patterns.Cdk.Functions.Tests.EventDrivenSettlement.SettlementSamples;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>
/// The handler's contract validator against JsonSchema.Net on the same schema documents: a corpus of valid and
/// invalid documents (every required member missing, wrong types, extra members at both levels, boundaries) on which
/// both must agree, plus the violations (pointer and rule) the handler lists.
/// </summary>
public class ContractValidationTests
{
    private const string Long64 = "A234567890123456789012345678901234567890123456789012345678901234";

    public static TheoryData<string, string, bool> InputCorpus()
    {
        var data = new TheoryData<string, string, bool>();
        void Valid(string name, string json) => data.Add(name, json, true);
        void Invalid(string name, string json) => data.Add(name, json, false);

        Valid("sample", Detail());
        Valid("no part", Detail(part: null));
        Valid("extra top-level string", Detail(extra: ""","eventTime":"2025-01-01T00:00:00Z" """));
        Valid("extra top-level object, array, null", Detail(extra: ""","meta":{"x":[1,2]},"tags":["a"],"note":null"""));
        Valid("cost 0", Detail(cost: "0"));
        Valid("cost -0", Detail(cost: "-0"));
        Valid("cost at maximum", Detail(cost: "10000000"));
        Valid("cost 10000000.00", Detail(cost: "10000000.00"));
        Valid("cost with exponent", Detail(cost: "1.5e3"));
        Valid("cost with tiny exponent", Detail(cost: "1e-40"));
        Valid("cost fraction of a cent", Detail(cost: "0.001"));
        Valid("claimId of 1", Detail(claimId: "A"));
        Valid("claimId of 64", Detail(claimId: Long64));
        Valid("claimId with _ and -", Detail(claimId: "a_b-C9"));
        Valid("part of 64 code points (emoji)", Detail(part: string.Concat(Enumerable.Repeat("\U0001F697", 64))));
        Valid("part with escapes", Detail(part: "rear \"left\" door\\panel"));
        Valid("part with an escaped line feed", Detail(part: "line1\nline2"));
        foreach (string type in new[] { "CAR", "HOME", "TRAVEL" })
        {
            Valid("documentType " + type, Detail(documentType: type));
        }

        foreach (string level in new[] { "MINOR", "MODERATE", "SEVERE", "TOTAL_LOSS" })
        {
            Valid("level " + level, Detail(level: level));
        }

        Valid("fraudType DOCUMENT", Detail(fraudType: "DOCUMENT"));
        Valid("member order", """{"damage":{"estimatedCost":1,"level":"MINOR"},"fraudType":"CLAIMS","documentType":"CAR","claimId":"C","customerId":"U"}""");

        foreach (string member in new[] { "customerId", "claimId", "documentType", "fraudType", "damage" })
        {
            Invalid("missing " + member, Without(Detail(), member));
        }

        Invalid("missing damage.level", Detail().Replace("\"level\":\"MINOR\",", "", StringComparison.Ordinal));
        Invalid("missing damage.estimatedCost", Detail().Replace(",\"estimatedCost\":1234.5", "", StringComparison.Ordinal));
        Invalid("empty object", "{}");
        Invalid("empty damage", Detail().Replace("{\"level\":\"MINOR\",\"part\":\"bumper\",\"estimatedCost\":1234.5}", "{}", StringComparison.Ordinal));

        foreach ((string name, string json) in new[] { ("number", "7"), ("null", "null"), ("boolean", "true"), ("object", "{}"), ("array", "[\"CLM-1\"]") })
        {
            Invalid("claimId as " + name, Detail().Replace("\"claimId\":\"CLM-1\"", "\"claimId\":" + json, StringComparison.Ordinal));
            Invalid("customerId as " + name, Detail().Replace("\"customerId\":\"CUST-1\"", "\"customerId\":" + json, StringComparison.Ordinal));
            Invalid("level as " + name, Detail().Replace("\"level\":\"MINOR\"", "\"level\":" + json, StringComparison.Ordinal));
            Invalid("part as " + name, Detail().Replace("\"part\":\"bumper\"", "\"part\":" + json, StringComparison.Ordinal));
        }

        Invalid("documentType as number", Detail().Replace("\"documentType\":\"CAR\"", "\"documentType\":1", StringComparison.Ordinal));
        Invalid("fraudType as null", Detail().Replace("\"fraudType\":\"CLAIMS\"", "\"fraudType\":null", StringComparison.Ordinal));
        Invalid("damage as string", Detail().Replace("{\"level\":\"MINOR\",\"part\":\"bumper\",\"estimatedCost\":1234.5}", "\"MINOR\"", StringComparison.Ordinal));
        Invalid("damage as array", Detail().Replace("{\"level\":\"MINOR\",\"part\":\"bumper\",\"estimatedCost\":1234.5}", "[]", StringComparison.Ordinal));
        Invalid("damage as null", Detail().Replace("{\"level\":\"MINOR\",\"part\":\"bumper\",\"estimatedCost\":1234.5}", "null", StringComparison.Ordinal));
        Invalid("cost as string", Detail(cost: "\"1234.50\""));
        Invalid("cost as null", Detail(cost: "null"));
        Invalid("cost as boolean", Detail(cost: "false"));

        Invalid("extra member in damage", Detail(part: null).Replace("\"estimatedCost\"", "\"currency\":\"USD\",\"estimatedCost\"", StringComparison.Ordinal));
        Invalid("extra null member in damage", Detail().Replace("\"estimatedCost\"", "\"photos\":null,\"estimatedCost\"", StringComparison.Ordinal));

        Invalid("documentType lower case", Detail(documentType: "car"));
        Invalid("documentType unknown", Detail(documentType: "BOAT"));
        Invalid("fraudType unknown", Detail(fraudType: "NONE"));
        Invalid("level unknown", Detail(level: "CATASTROPHIC"));
        Invalid("level with space", Detail(level: "MINOR "));

        Invalid("claimId empty", Detail(claimId: ""));
        Invalid("claimId of 65", Detail(claimId: Long64 + "5"));
        Invalid("claimId starting with -", Detail(claimId: "-CLM"));
        Invalid("claimId with a space", Detail(claimId: "CLM 1"));
        Invalid("claimId with a slash", Detail(claimId: "CLM/1"));
        Invalid("claimId non-ASCII", Detail(claimId: "CLMé"));
        Invalid("customerId empty", Detail(customerId: ""));
        Invalid("customerId of 65", Detail(customerId: Long64 + "5"));
        Invalid("part empty", Detail(part: ""));
        Invalid("part of 65 code points (emoji)", Detail(part: string.Concat(Enumerable.Repeat("\U0001F697", 65))));

        Invalid("cost negative", Detail(cost: "-0.01"));
        Invalid("cost above maximum", Detail(cost: "10000000.01"));
        Invalid("cost far above maximum", Detail(cost: "1e400"));
        Invalid("cost far below minimum", Detail(cost: "-1e400"));

        Invalid("root array", "[]");
        Invalid("root string", "\"claim\"");
        Invalid("root number", "42");
        Invalid("root null", "null");
        return data;
    }

    public static TheoryData<string, string, bool> OutputCorpus()
    {
        var data = new TheoryData<string, string, bool>();
        string sample = Finalized();
        data.Add("sample", sample, true);
        data.Add("schemaVersion 1.0", Finalized(schemaVersion: "1.0"), true);
        data.Add("zero amounts", Finalized(payout: "0.00", outOfPocket: "0.00"), true);
        data.Add("correlationId of 128", Finalized(correlationId: new string('c', 128)), true);
        foreach (string member in new[] { "schemaVersion", "settlementId", "claimId", "customerId", "documentType", "damageLevel", "payoutAmount", "outOfPocketAmount", "currency", "correlationId", "finalizedAt" })
        {
            data.Add("missing " + member, Without(sample, member), false);
        }

        data.Add("extra member", sample.Replace("{", "{\"estimatedCost\":\"1.00\",", StringComparison.Ordinal), false);
        data.Add("schemaVersion 2", Finalized(schemaVersion: "2"), false);
        data.Add("schemaVersion as string", Finalized(schemaVersion: "\"1\""), false);
        data.Add("schemaVersion 1.5", Finalized(schemaVersion: "1.5"), false);
        data.Add("settlementId v4", Finalized(settlementId: "2ed6657d-e927-468b-95e1-2665a8aea6a2"), false);
        data.Add("settlementId upper case", Finalized(settlementId: "2ED6657D-E927-568B-95E1-2665A8AEA6A2"), false);
        data.Add("settlementId wrong variant", Finalized(settlementId: "2ed6657d-e927-568b-c5e1-2665a8aea6a2"), false);
        data.Add("amount without cents", Finalized(payout: "250"), false);
        data.Add("amount with one decimal", Finalized(payout: "250.0"), false);
        data.Add("amount negative", Finalized(outOfPocket: "-1.00"), false);
        data.Add("amount with a leading zero", Finalized(outOfPocket: "01.00"), false);
        data.Add("amount as number", sample.Replace("\"payoutAmount\":\"984.50\"", "\"payoutAmount\":984.5", StringComparison.Ordinal), false);
        data.Add("currency lower case", Finalized(currency: "usd"), false);
        data.Add("currency of 4", Finalized(currency: "USDX"), false);
        data.Add("finalizedAt without milliseconds", Finalized(finalizedAt: "2025-03-14T15:09:26Z"), false);
        data.Add("finalizedAt with an offset", Finalized(finalizedAt: "2025-03-14T15:09:26.535+00:00"), false);
        data.Add("correlationId empty", Finalized(correlationId: ""), false);
        data.Add("correlationId of 129", Finalized(correlationId: new string('c', 129)), false);
        data.Add("damageLevel unknown", sample.Replace("\"damageLevel\":\"MINOR\"", "\"damageLevel\":\"minor\"", StringComparison.Ordinal), false);
        return data;
    }

    [Theory]
    [MemberData(nameof(InputCorpus))]
    public void The_input_validator_agrees_with_JsonSchema_Net(string name, string json, bool valid)
    {
        ContractOracle.IsValid(ContractOracle.FraudNotDetected, json).Should().Be(valid, $"the oracle's verdict on '{name}'");
        IReadOnlyList<ContractViolation> violations = SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json));
        (violations.Count == 0).Should().Be(valid, $"'{name}': {string.Join("; ", violations)}");
    }

    [Theory]
    [MemberData(nameof(OutputCorpus))]
    public void The_output_validator_agrees_with_JsonSchema_Net(string name, string json, bool valid)
    {
        ContractOracle.IsValid(ContractOracle.SettlementFinalized, json).Should().Be(valid, $"the oracle's verdict on '{name}'");
        IReadOnlyList<ContractViolation> violations = SettlementContracts.SettlementFinalized.Validate(Encoding.UTF8.GetBytes(json));
        (violations.Count == 0).Should().Be(valid, $"'{name}': {string.Join("; ", violations)}");
    }

    [Fact]
    public void Every_violation_is_listed_with_its_JSON_pointer()
    {
        string json = """{"customerId":"","claimId":7,"documentType":"BOAT","damage":{"level":"minor","estimatedCost":-5,"colour":"red","part":""},"extra":true}""";

        IReadOnlyList<ContractViolation> violations = SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json));

        violations.Select(v => v.ToString()).Should().BeEquivalentTo(
            "/customerId: must be at least 1 characters long",
            "/customerId: must match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]*$",
            "/claimId: must be a string",
            "/documentType: must be one of CAR, HOME, TRAVEL",
            "/damage/level: must be one of MINOR, MODERATE, SEVERE, TOTAL_LOSS",
            "/damage/estimatedCost: must be at least 0",
            "/damage/colour: is not allowed (accepted: level, part, estimatedCost)",
            "/damage/part: must be at least 1 characters long",
            "/fraudType: is required");
    }

    [Fact]
    public void Missing_members_are_reported_where_they_belong()
    {
        IReadOnlyList<ContractViolation> violations = SettlementContracts.FraudNotDetected.Validate("""{"damage":{}}"""u8);

        violations.Select(v => v.Location).Should().BeEquivalentTo("/customerId", "/claimId", "/documentType", "/fraudType", "/damage/level", "/damage/estimatedCost");
        violations.Should().OnlyContain(v => v.Message == "is required");
    }

    [Theory]
    [InlineData("", "(document): is empty (expected a JSON document)")]
    [InlineData("{\"claimId\":", "(document): is not valid JSON: ")]
    [InlineData("{} {}", "(document): is not valid JSON: ")]
    [InlineData("[]", "(document): must be an object")]
    public void A_document_that_is_not_an_object_gets_one_violation(string json, string expected)
    {
        IReadOnlyList<ContractViolation> violations = SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json));

        violations.Should().ContainSingle().Which.ToString().Should().StartWith(expected);
    }

    [Fact]
    public void Messages_never_quote_the_offending_values()
    {
        string json = Detail(claimId: "SECRET value", customerId: "", documentType: "SECRET-TYPE", cost: "-12345");

        string text = string.Join("; ", SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json)));

        text.Should().NotContain("SECRET").And.NotContain("12345");
    }

    [Fact]
    public void The_listing_stops_at_a_hundred_violations()
    {
        string members = string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"x{i}\":1"));
        string json = Detail().Replace("\"estimatedCost\"", members + ",\"estimatedCost\"", StringComparison.Ordinal);

        IReadOnlyList<ContractViolation> violations = SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json));

        violations.Should().HaveCount(ContractSchema.MaxViolations + 1);
        violations[^1].ToString().Should().Be("(document): has more violations than the 100 listed");
    }

    // Where the handler is deliberately stricter than JsonSchema.Net, and why.

    [Fact]
    public void A_final_line_feed_does_not_satisfy_an_anchored_pattern_as_in_ECMA_262()
    {
        string json = Detail(claimId: "CLM-1\n");

        ContractOracle.IsValid(ContractOracle.FraudNotDetected, json).Should().BeTrue("JsonSchema.Net runs patterns with .NET semantics, where $ also matches before a final line feed");
        SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json)).Should().ContainSingle()
            .Which.Should().Be(new ContractViolation("/claimId", "must match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]*$"), "JSON Schema patterns are ECMA-262, whose $ matches only at the end; a claim id is a key");
    }

    [Fact]
    public void A_member_given_twice_is_a_violation()
    {
        string json = Detail().Replace("\"claimId\":\"CLM-1\"", "\"claimId\":\"CLM-1\",\"claimId\":\"CLM-2\"", StringComparison.Ordinal);

        ContractOracle.IsValid(ContractOracle.FraudNotDetected, json).Should().BeTrue("JsonSchema.Net sees one of the values");
        SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json)).Should().ContainSingle()
            .Which.Should().Be(new ContractViolation("/claimId", "appears more than once"), "which claim would be settled depends on the reader");
    }

    [Fact]
    public void Lengths_count_code_points_not_grapheme_clusters()
    {
        // 40 x (e + combining acute accent) = 40 graphemes, 80 code points.
        string json = Detail(part: string.Concat(Enumerable.Repeat("e\u0301", 40)));

        ContractOracle.IsValid(ContractOracle.FraudNotDetected, json).Should().BeTrue("JsonSchema.Net counts text elements");
        SettlementContracts.FraudNotDetected.Validate(Encoding.UTF8.GetBytes(json)).Should().ContainSingle()
            .Which.Should().Be(new ContractViolation("/damage/part", "must be at most 64 characters long"), "JSON Schema counts characters as RFC 8259 defines them: code points");
    }

    [Fact]
    public void The_embedded_schemas_are_the_repository_files_byte_for_byte()
    {
        foreach (string file in new[] { SettlementContracts.FraudNotDetectedFile, SettlementContracts.SettlementFinalizedFile })
        {
            SettlementContracts.Read(file).Should().Equal(File.ReadAllBytes(ContractOracle.RepositoryFile(file)), file);
        }
    }

    [Fact]
    public void The_contracts_compile_with_their_titles()
    {
        SettlementContracts.FraudNotDetected.Name.Should().Be("Fraud.Not.Detected");
        SettlementContracts.SettlementFinalized.Name.Should().Be("Settlement.Finalized");
        SettlementContracts.FraudNotDetected.AllowedStrings("/damage/level").Should().Equal("MINOR", "MODERATE", "SEVERE", "TOTAL_LOSS");
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"}}}}""", "#/properties/a/items", "'items'")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"string"}}""", "#/additionalProperties", "boolean")]
    [InlineData("""{"type":"number","exclusiveMinimum":0}""", "#/exclusiveMinimum", "'exclusiveMinimum'")]
    [InlineData("""{"const":1}""", "#/const", "'const'")]
    [InlineData("""{"$ref":"#/definitions/x"}""", "#/$ref", "'$ref'")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema"}""", "#/$schema", "draft-04, draft-06 and draft-07")]
    [InlineData("""{"type":"decimal"}""", "#/type", "unknown type 'decimal'")]
    [InlineData("""{"enum":[true]}""", "#/enum", "only string and number")]
    [InlineData("""{"pattern":"(?<=a)b["}""", "#/pattern", "not a regular expression")]
    public void A_keyword_the_validator_does_not_implement_fails_the_compile_loudly(string schema, string location, string problem)
    {
        Action compile = () => ContractSchema.Compile(Encoding.UTF8.GetBytes(schema));

        compile.Should().Throw<NotSupportedException>().Which.Message.Should().Contain(location).And.Contain(problem);
    }

    [Fact]
    public void Annotations_and_a_draft_04_schema_URI_are_accepted()
    {
        ContractSchema schema = ContractSchema.Compile("""{"$schema":"http://json-schema.org/draft-04/schema#","title":"T","description":"d","$comment":"c","type":"string","default":"x","examples":["y"]}"""u8);

        schema.IsValid("\"ok\""u8).Should().BeTrue();
        schema.IsValid("1"u8).Should().BeFalse();
    }

    [Theory]
    [InlineData("^a$", "a", true)]
    [InlineData("^a$", "a\n", false)]
    [InlineData("a", "xay", true)] // JSON Schema patterns search; they are not implicitly anchored
    [InlineData("^[$]+$", "$$", true)] // '$' inside a class is a literal
    [InlineData("^\\$$", "$", true)] // an escaped '$' is a literal
    [InlineData("^\\d+$", "١٢", false)] // ECMA-262 \d is ASCII only
    public void Patterns_follow_ECMA_262(string pattern, string value, bool matches)
    {
        SchemaCompiler.CompilePattern(pattern, "#/pattern").IsMatch(value).Should().Be(matches);
    }

    internal static string Finalized(
        string schemaVersion = "1",
        string settlementId = "ab50d903-3f54-51de-82a0-8ca8b03053eb",
        string payout = "984.50",
        string outOfPocket = "250.00",
        string currency = "USD",
        string correlationId = EventId,
        string finalizedAt = "2025-03-14T15:09:26.535Z") =>
        $$"""{"schemaVersion":{{schemaVersion}},"settlementId":"{{settlementId}}","claimId":"CLM-1","customerId":"CUST-1","documentType":"CAR","damageLevel":"MINOR","payoutAmount":"{{payout}}","outOfPocketAmount":"{{outOfPocket}}","currency":"{{currency}}","correlationId":"{{correlationId}}","finalizedAt":"{{finalizedAt}}"}""";

    /// <summary>The document without its top-level member <paramref name="member"/>.</summary>
    private static string Without(string json, string member)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove(member).Should().BeTrue(member);
        return node.ToJsonString();
    }
}
