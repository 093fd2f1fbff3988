using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

/// <summary>
/// A contract (JSON Schema) compiled once from its document, validating UTF-8 JSON in one forward pass with
/// <see cref="Utf8JsonReader"/>: no DOM, no allocation for a valid document. Every violation is listed with its JSON
/// Pointer (up to <see cref="MaxViolations"/>). Keywords: see <see cref="SchemaCompiler"/>.
/// Beyond the schema, a property that appears twice in one object is a violation (a reader could take either value).
/// String lengths count Unicode code points, as JSON Schema defines them.
/// </summary>
public sealed class ContractSchema
{
    /// <summary>A document with more violations than this gets the first ones and a note that more were not listed.</summary>
    public const int MaxViolations = 100;

    private const int StackBufferBytes = 256;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    private readonly SchemaNode _root;

    private ContractSchema(string name, SchemaNode root)
    {
        Name = name;
        _root = root;
    }

    /// <summary>The schema's <c>title</c> (for example <c>Fraud.Not.Detected</c>).</summary>
    public string Name { get; }

    /// <summary>Compiles a schema document.</summary>
    /// <exception cref="NotSupportedException">The schema uses a keyword or form the validator does not implement.</exception>
    /// <exception cref="JsonException">The document is not JSON.</exception>
    public static ContractSchema Compile(ReadOnlySpan<byte> schemaJson)
    {
        using JsonDocument document = JsonDocument.Parse(schemaJson.ToArray());
        JsonElement root = document.RootElement;
        string name = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out JsonElement title) && title.ValueKind == JsonValueKind.String
            ? title.GetString()!
            : "contract";
        return new ContractSchema(name, SchemaCompiler.Compile(root));
    }

    /// <summary>Every violation of the contract by <paramref name="utf8Json"/>; empty when it is valid (no allocation then).</summary>
    public IReadOnlyList<ContractViolation> Validate(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            return [new ContractViolation(string.Empty, "is empty (expected a JSON document)")];
        }

        List<ContractViolation>? violations = null;
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            reader.Read();
            ValidateValue(ref reader, _root, ref violations);
            if (reader.Read())
            {
                // Unreachable for a complete value: the reader throws on anything after it.
                return [new ContractViolation(string.Empty, "has content after the JSON value")];
            }
        }
        catch (JsonException e)
        {
            // The message names a line and byte position, never the content.
            return [new ContractViolation(string.Empty, "is not valid JSON: " + e.Message)];
        }

        return violations ?? (IReadOnlyList<ContractViolation>)[];
    }

    /// <summary>True when <paramref name="utf8Json"/> satisfies the contract.</summary>
    public bool IsValid(ReadOnlySpan<byte> utf8Json) => Validate(utf8Json).Count == 0;

    /// <summary>
    /// Checks one string against the schema of a declared property, for example the path parameter of
    /// <c>GET /settlements/{claimId}</c> against <c>/claimId</c>.
    /// </summary>
    public IReadOnlyList<ContractViolation> ValidateString(string instancePointer, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        SchemaNode node = Find(instancePointer);
        List<ContractViolation>? violations = null;
        if (node.Types != JsonTypes.Any && !node.Types.HasFlag(JsonTypes.String))
        {
            Add(ref violations, node.InstancePointer, node.TypeMessage);
        }
        else
        {
            CheckString(Encoding.UTF8.GetBytes(value), node, ref violations);
        }

        return violations ?? (IReadOnlyList<ContractViolation>)[];
    }

    /// <summary>The strings a declared property's <c>enum</c> allows (for example <c>/damage/level</c>); empty when it has none.</summary>
    public IReadOnlyList<string> AllowedStrings(string instancePointer) =>
        Find(instancePointer).StringEnum?.Select(Encoding.UTF8.GetString).ToArray() ?? [];

    private SchemaNode Find(string instancePointer)
    {
        ArgumentNullException.ThrowIfNull(instancePointer);
        SchemaNode node = _root;
        foreach (string segment in instancePointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            int index = node.IndexOfProperty(name);
            node = index >= 0
                ? node.PropertySchemas[index]
                : throw new ArgumentException($"{Name} declares no property at {instancePointer}", nameof(instancePointer));
        }

        return node;
    }

    private static void ValidateValue(ref Utf8JsonReader reader, SchemaNode node, ref List<ContractViolation>? violations)
    {
        JsonTokenType token = reader.TokenType;
        if (node.Types != JsonTypes.Any && !HasType(ref reader, node.Types))
        {
            Add(ref violations, node.InstancePointer, node.TypeMessage);
            reader.Skip();
            return;
        }

        switch (token)
        {
            case JsonTokenType.StartObject:
                ValidateObject(ref reader, node, ref violations);
                break;
            case JsonTokenType.StartArray:
                reader.Skip();
                CheckNoEnum(node, ref violations);
                break;
            case JsonTokenType.String:
                ValidateString(ref reader, node, ref violations);
                break;
            case JsonTokenType.Number:
                ValidateNumber(ref reader, node, ref violations);
                break;
            default:
                CheckNoEnum(node, ref violations);
                break;
        }
    }

    private static bool HasType(ref Utf8JsonReader reader, JsonTypes types) => reader.TokenType switch
    {
        JsonTokenType.StartObject => types.HasFlag(JsonTypes.Object),
        JsonTokenType.StartArray => types.HasFlag(JsonTypes.Array),
        JsonTokenType.String => types.HasFlag(JsonTypes.String),
        JsonTokenType.Number => types.HasFlag(JsonTypes.Number) || (types.HasFlag(JsonTypes.Integer) && IsInteger(ref reader)),
        JsonTokenType.True or JsonTokenType.False => types.HasFlag(JsonTypes.Boolean),
        JsonTokenType.Null => types.HasFlag(JsonTypes.Null),
        _ => false,
    };

    private static void ValidateObject(ref Utf8JsonReader reader, SchemaNode node, ref List<ContractViolation>? violations)
    {
        ulong seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int index = FindProperty(ref reader, node);
            if (index < 0)
            {
                if (!node.AdditionalPropertiesAllowed)
                {
                    Add(ref violations, node.InstancePointer + "/" + SchemaCompiler.EscapePointer(Shorten(reader.GetString()!)), node.ClosedObjectMessage);
                }

                reader.Read();
                reader.Skip();
                continue;
            }

            ulong bit = 1UL << index;
            SchemaNode property = node.PropertySchemas[index];
            reader.Read();
            if ((seen & bit) != 0)
            {
                Add(ref violations, property.InstancePointer, "appears more than once");
                reader.Skip();
                continue;
            }

            seen |= bit;
            ValidateValue(ref reader, property, ref violations);
        }

        ulong missing = node.RequiredMask & ~seen;
        for (int i = 0; missing != 0; i++, missing >>= 1)
        {
            if ((missing & 1) != 0)
            {
                Add(ref violations, node.PropertySchemas[i].InstancePointer, "is required");
            }
        }

        CheckNoEnum(node, ref violations);
    }

    private static int FindProperty(ref Utf8JsonReader reader, SchemaNode node)
    {
        byte[][] names = node.PropertyNamesUtf8;
        for (int i = 0; i < names.Length; i++)
        {
            if (reader.ValueTextEquals(names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static void ValidateString(ref Utf8JsonReader reader, SchemaNode node, ref List<ContractViolation>? violations)
    {
        if (!node.HasStringChecks)
        {
            return;
        }

        byte[]? rentedBytes = null;
        int maxBytes = reader.ValueSpan.Length;
        Span<byte> bytes = maxBytes <= StackBufferBytes ? stackalloc byte[StackBufferBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            int length = reader.CopyString(bytes);
            CheckString(bytes[..length], node, ref violations);
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }
        }
    }

    private static void CheckString(ReadOnlySpan<byte> value, SchemaNode node, ref List<ContractViolation>? violations)
    {
        CheckLength(value, node, ref violations);
        if (node.StringEnum is { } allowed && !Contains(allowed, value))
        {
            Add(ref violations, node.InstancePointer, node.EnumMessage);
        }

        if (node.Pattern is not null)
        {
            CheckPattern(value, node, ref violations);
        }
    }

    private static void CheckLength(ReadOnlySpan<byte> utf8, SchemaNode node, ref List<ContractViolation>? violations)
    {
        if (node.MinLength is null && node.MaxLength is null)
        {
            return;
        }

        // Code points: every UTF-8 byte that is not a continuation byte (the reader has validated the encoding).
        int codePoints = 0;
        foreach (byte b in utf8)
        {
            codePoints += (b & 0xC0) != 0x80 ? 1 : 0;
        }

        if (codePoints < node.MinLength)
        {
            Add(ref violations, node.InstancePointer, string.Create(CultureInfo.InvariantCulture, $"must be at least {node.MinLength} characters long"));
        }

        if (codePoints > node.MaxLength)
        {
            Add(ref violations, node.InstancePointer, string.Create(CultureInfo.InvariantCulture, $"must be at most {node.MaxLength} characters long"));
        }
    }

    private static void CheckPattern(ReadOnlySpan<byte> utf8, SchemaNode node, ref List<ContractViolation>? violations)
    {
        char[]? rentedChars = null;
        Span<char> chars = utf8.Length <= StackBufferBytes ? stackalloc char[StackBufferBytes] : (rentedChars = ArrayPool<char>.Shared.Rent(utf8.Length));
        try
        {
            int count = Encoding.UTF8.GetChars(utf8, chars);
            if (!node.Pattern!.IsMatch(chars[..count]))
            {
                Add(ref violations, node.InstancePointer, "must match the pattern " + node.PatternSource);
            }
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }
        }
    }

    private static void ValidateNumber(ref Utf8JsonReader reader, SchemaNode node, ref List<ContractViolation>? violations)
    {
        if (node.Minimum is null && node.Maximum is null && node.NumberEnum is null && node.StringEnum is null)
        {
            return;
        }

        if (reader.TryGetDecimal(out decimal number))
        {
            if (number < node.Minimum)
            {
                Add(ref violations, node.InstancePointer, "must be at least " + node.Minimum.Value.ToString(CultureInfo.InvariantCulture));
            }

            if (number > node.Maximum)
            {
                Add(ref violations, node.InstancePointer, "must be at most " + node.Maximum.Value.ToString(CultureInfo.InvariantCulture));
            }

            if ((node.NumberEnum is not null || node.StringEnum is not null) && node.NumberEnum?.Contains(number) != true)
            {
                Add(ref violations, node.InstancePointer, node.EnumMessage);
            }

            return;
        }

        // Outside decimal's range (1e400, 1e-400): compare as a double, which saturates to infinity or zero.
        double wide = WideNumber(ref reader);
        if (node.Minimum is { } minimum && wide < (double)minimum)
        {
            Add(ref violations, node.InstancePointer, "must be at least " + minimum.ToString(CultureInfo.InvariantCulture));
        }

        if (node.Maximum is { } maximum && wide > (double)maximum)
        {
            Add(ref violations, node.InstancePointer, "must be at most " + maximum.ToString(CultureInfo.InvariantCulture));
        }

        if (node.NumberEnum is not null || node.StringEnum is not null)
        {
            Add(ref violations, node.InstancePointer, node.EnumMessage);
        }
    }

    private static bool IsInteger(ref Utf8JsonReader reader)
    {
        if (reader.TryGetDecimal(out decimal number))
        {
            return number == decimal.Truncate(number);
        }

        double wide = WideNumber(ref reader);
        return double.IsInfinity(wide) || wide == Math.Floor(wide);
    }

    internal static double WideNumber(ref Utf8JsonReader reader) =>
        double.Parse(Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void CheckNoEnum(SchemaNode node, ref List<ContractViolation>? violations)
    {
        if (node.StringEnum is not null || node.NumberEnum is not null)
        {
            Add(ref violations, node.InstancePointer, node.EnumMessage);
        }
    }

    private static bool Contains(byte[][] allowed, ReadOnlySpan<byte> value)
    {
        foreach (byte[] candidate in allowed)
        {
            if (value.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string name) => name.Length <= 64 ? name : string.Concat(name.AsSpan(0, 64), "…");

    private static void Add(ref List<ContractViolation>? violations, string pointer, string message)
    {
        violations ??= new List<ContractViolation>(4);
        if (violations.Count < MaxViolations)
        {
            violations.Add(new ContractViolation(pointer, message));
        }
        else if (violations.Count == MaxViolations)
        {
            violations.Add(new ContractViolation(string.Empty, $"has more violations than the {MaxViolations} listed"));
        }
    }
}
