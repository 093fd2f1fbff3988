using System.Globalization;
using System.Text.Json;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The settlement rules from <c>SETTLEMENT_RULES</c>: the currency and a deductible per (document type, damage level),
/// for example <c>{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"250.00"}]}</c>.
/// A pair without a rule cannot be settled (the claim is parked with that reason; REST answers 422).
/// Parsing reports every problem at once, each naming the member at fault and what it must be.
/// </summary>
public sealed class SettlementRules
{
    /// <summary>The construct's default: USD; CAR: MINOR 250, MODERATE 500, SEVERE 1000, TOTAL_LOSS 500.</summary>
    public const string DefaultJson =
        """{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"250.00"},{"documentType":"CAR","damageLevel":"MODERATE","amount":"500.00"},{"documentType":"CAR","damageLevel":"SEVERE","amount":"1000.00"},{"documentType":"CAR","damageLevel":"TOTAL_LOSS","amount":"500.00"}]}""";

    private const string Variable = "SETTLEMENT_RULES";
    private const string Example = """{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MINOR","amount":"250.00"}]}""";

    private readonly Dictionary<(string DocumentType, string DamageLevel), decimal> _deductibles;

    private SettlementRules(string currency, Dictionary<(string, string), decimal> deductibles)
    {
        Currency = currency;
        _deductibles = deductibles;
    }

    /// <summary>ISO 4217 code of every amount (for example <c>USD</c>).</summary>
    public string Currency { get; }

    public IReadOnlyDictionary<(string DocumentType, string DamageLevel), decimal> Deductibles => _deductibles;

    public bool TryGetDeductible(string documentType, string damageLevel, out decimal deductible) =>
        _deductibles.TryGetValue((documentType, damageLevel), out deductible);

    /// <exception cref="InvalidOperationException">The rules are invalid; the message lists every problem.</exception>
    public static SettlementRules Parse(string json)
    {
        var problems = new List<string>();
        return TryParse(json, problems) ?? throw new InvalidOperationException(string.Join("; ", problems));
    }

    /// <summary>The rules, or null with every problem added to <paramref name="problems"/>.</summary>
    public static SettlementRules? TryParse(string json, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(problems);
        int before = problems.Count;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            problems.Add($"{Variable} is not valid JSON ({e.Message}); expected for example {Example}");
            return null;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{Variable} must be a JSON object (got {Kind(root)}); expected for example {Example}");
                return null;
            }

            string currency = string.Empty;
            var deductibles = new Dictionary<(string, string), decimal>();
            bool hasCurrency = false, hasDeductibles = false;
            foreach (JsonProperty member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "currency":
                        hasCurrency = true;
                        currency = ReadCurrency(member.Value, problems);
                        break;
                    case "deductibles":
                        hasDeductibles = true;
                        ReadDeductibles(member.Value, deductibles, problems);
                        break;
                    default:
                        problems.Add($"{Variable} has an unknown member '{member.Name}' (expected currency and deductibles)");
                        break;
                }
            }

            if (!hasCurrency)
            {
                problems.Add($"{Variable}.currency is required: an ISO 4217 code such as \"USD\"");
            }

            if (!hasDeductibles)
            {
                problems.Add($"{Variable}.deductibles is required: a list such as [{{\"documentType\":\"CAR\",\"damageLevel\":\"MINOR\",\"amount\":\"250.00\"}}]");
            }

            return problems.Count == before ? new SettlementRules(currency, deductibles) : null;
        }
    }

    private static string ReadCurrency(JsonElement value, List<string> problems)
    {
        if (value.ValueKind == JsonValueKind.String
            && SettlementContracts.SettlementFinalized.ValidateString("/currency", value.GetString()!).Count == 0)
        {
            return value.GetString()!;
        }

        problems.Add($"{Variable}.currency must be a three-letter upper-case ISO 4217 code such as \"USD\" (got {Shown(value)})");
        return string.Empty;
    }

    private static void ReadDeductibles(JsonElement value, Dictionary<(string, string), decimal> deductibles, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            problems.Add($"{Variable}.deductibles must be a non-empty list of {{\"documentType\",\"damageLevel\",\"amount\"}} (got {Kind(value)})");
            return;
        }

        IReadOnlyList<string> documentTypes = SettlementContracts.FraudNotDetected.AllowedStrings("/documentType");
        IReadOnlyList<string> damageLevels = SettlementContracts.FraudNotDetected.AllowedStrings("/damage/level");
        int index = 0;
        foreach (JsonElement entry in value.EnumerateArray())
        {
            string at = string.Create(CultureInfo.InvariantCulture, $"{Variable}.deductibles[{index++}]");
            if (entry.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{at} must be an object {{\"documentType\",\"damageLevel\",\"amount\"}} (got {Kind(entry)})");
                continue;
            }

            string? documentType = null, damageLevel = null;
            decimal? amount = null;
            foreach (JsonProperty member in entry.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "documentType":
                        documentType = ReadOneOf(member.Value, documentTypes, $"{at}.documentType", problems);
                        break;
                    case "damageLevel":
                        damageLevel = ReadOneOf(member.Value, damageLevels, $"{at}.damageLevel", problems);
                        break;
                    case "amount":
                        amount = ReadAmount(member.Value, $"{at}.amount", problems);
                        break;
                    default:
                        problems.Add($"{at} has an unknown member '{member.Name}' (expected documentType, damageLevel and amount)");
                        break;
                }
            }

            foreach ((string name, bool present) in new[] { ("documentType", entry.TryGetProperty("documentType", out _)), ("damageLevel", entry.TryGetProperty("damageLevel", out _)), ("amount", entry.TryGetProperty("amount", out _)) })
            {
                if (!present)
                {
                    problems.Add($"{at}.{name} is required");
                }
            }

            if (documentType is not null && damageLevel is not null && amount is not null && !deductibles.TryAdd((documentType, damageLevel), amount.Value))
            {
                problems.Add($"{at} repeats the rule for documentType {documentType} and damageLevel {damageLevel}; give each pair once");
            }
        }
    }

    private static string? ReadOneOf(JsonElement value, IReadOnlyList<string> allowed, string at, List<string> problems)
    {
        if (value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString()!, StringComparer.Ordinal))
        {
            return value.GetString()!;
        }

        problems.Add($"{at} must be one of {string.Join(", ", allowed)} (got {Shown(value)})");
        return null;
    }

    // A decimal string such as "250.00" (what the construct writes), or a JSON number; at least 0, at most 2 decimals.
    private static decimal? ReadAmount(JsonElement value, string at, List<string> problems)
    {
        decimal amount = 0;
        bool parsed = value.ValueKind switch
        {
            JsonValueKind.String => decimal.TryParse(value.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount),
            JsonValueKind.Number => value.TryGetDecimal(out amount),
            _ => false,
        };
        if (parsed && amount >= 0 && amount == Math.Round(amount, 2))
        {
            return Money.ToCents(amount);
        }

        problems.Add($"{at} must be an amount of at least 0 with at most two decimals, such as \"250.00\" (got {Shown(value)})");
        return null;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    // Rules are configuration, not customer data: showing the wrong value helps fix it.
    private static string Shown(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }
}
