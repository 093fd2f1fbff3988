using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

/// <summary>
/// Compiles a contract schema document once into <see cref="SchemaNode"/>s. It supports exactly the keywords whose
/// meaning is the same in JSON Schema draft 4 and draft 6/7 and that the contracts use: <c>type</c> (a name or a list),
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c> (boolean), <c>enum</c> (strings and numbers),
/// <c>pattern</c> (ECMA-262), <c>minLength</c>, <c>maxLength</c>, <c>minimum</c>, <c>maximum</c>; and it ignores the
/// annotations <c>title</c>, <c>description</c>, <c>$comment</c>, <c>examples</c>, <c>default</c> and a draft-04/06/07
/// <c>$schema</c>. Any other keyword fails the compile with its location (<see cref="NotSupportedException"/>): a
/// contract never silently validates less than it says.
/// </summary>
internal static class SchemaCompiler
{
    /// <summary>How many properties one object schema may declare (the required set is a 64-bit mask).</summary>
    public const int MaxProperties = 64;

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$comment", "examples", "default",
    };

    private static readonly HashSet<string> KnownDrafts = new(StringComparer.Ordinal)
    {
        "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#", "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-06/schema", "http://json-schema.org/draft-07/schema",
    };

    public static SchemaNode Compile(JsonElement schema) => CompileNode(schema, instancePointer: string.Empty, schemaPointer: "#");

    private static SchemaNode CompileNode(JsonElement schema, string instancePointer, string schemaPointer)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Unsupported(schemaPointer, "a schema must be a JSON object (boolean schemas are not supported)");
        }

        var node = new SchemaNode { InstancePointer = instancePointer, SchemaPointer = schemaPointer };
        JsonElement? properties = null;
        JsonElement? required = null;
        foreach (JsonProperty keyword in schema.EnumerateObject())
        {
            string at = schemaPointer + "/" + EscapePointer(keyword.Name);
            JsonElement value = keyword.Value;
            switch (keyword.Name)
            {
                case "type":
                    node.Types = ReadTypes(value, at);
                    break;
                case "properties":
                    properties = value.ValueKind == JsonValueKind.Object ? value : throw Unsupported(at, "'properties' must be an object");
                    break;
                case "required":
                    required = value.ValueKind == JsonValueKind.Array ? value : throw Unsupported(at, "'required' must be an array of names");
                    break;
                case "additionalProperties":
                    node.AdditionalPropertiesAllowed = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Unsupported(at, "only a boolean 'additionalProperties' is supported (not a schema)"),
                    };
                    break;
                case "enum":
                    ReadEnum(node, value, at);
                    break;
                case "pattern":
                    node.PatternSource = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Unsupported(at, "'pattern' must be a string");
                    node.Pattern = CompilePattern(node.PatternSource, at);
                    break;
                case "minLength":
                    node.MinLength = ReadCount(value, at);
                    break;
                case "maxLength":
                    node.MaxLength = ReadCount(value, at);
                    break;
                case "minimum":
                    node.Minimum = ReadBound(value, at);
                    break;
                case "maximum":
                    node.Maximum = ReadBound(value, at);
                    break;
                case "$schema":
                    if (value.ValueKind != JsonValueKind.String || !KnownDrafts.Contains(value.GetString()!))
                    {
                        throw Unsupported(at, "only draft-04, draft-06 and draft-07 '$schema' URIs are supported");
                    }

                    break;
                default:
                    if (!Annotations.Contains(keyword.Name))
                    {
                        throw Unsupported(at, $"the keyword '{keyword.Name}' is not supported by the handler's validator; use only type, properties, required, additionalProperties (boolean), enum, pattern, minLength, maxLength, minimum, maximum (or extend {nameof(SchemaCompiler)})");
                    }

                    break;
            }
        }

        CompileProperties(node, properties, required, schemaPointer);
        node.TypeMessage = TypeMessage(node.Types);
        return node;
    }

    private static void CompileProperties(SchemaNode node, JsonElement? properties, JsonElement? required, string schemaPointer)
    {
        var names = new List<string>();
        var schemas = new List<SchemaNode>();
        if (properties is { } declared)
        {
            foreach (JsonProperty property in declared.EnumerateObject())
            {
                names.Add(property.Name);
                schemas.Add(CompileNode(
                    property.Value,
                    node.InstancePointer + "/" + EscapePointer(property.Name),
                    schemaPointer + "/properties/" + EscapePointer(property.Name)));
            }
        }

        if (required is { } list)
        {
            foreach (JsonElement entry in list.EnumerateArray())
            {
                string name = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : throw Unsupported(schemaPointer + "/required", "'required' must list property names");
                int index = names.IndexOf(name);
                if (index < 0)
                {
                    // Required but not described: any value will do.
                    names.Add(name);
                    schemas.Add(new SchemaNode { InstancePointer = node.InstancePointer + "/" + EscapePointer(name), SchemaPointer = schemaPointer + "/required" });
                    index = names.Count - 1;
                }

                if (index >= MaxProperties)
                {
                    throw Unsupported(schemaPointer, $"at most {MaxProperties} properties per object are supported");
                }

                node.RequiredMask |= 1UL << index;
            }
        }

        if (names.Count > MaxProperties)
        {
            throw Unsupported(schemaPointer, $"at most {MaxProperties} properties per object are supported");
        }

        node.PropertyNames = [.. names];
        node.PropertyNamesUtf8 = [.. names.Select(Encoding.UTF8.GetBytes)];
        node.PropertySchemas = [.. schemas];
        node.ClosedObjectMessage = names.Count == 0
            ? "is not allowed (this object accepts no properties)"
            : $"is not allowed (accepted: {string.Join(", ", names)})";
    }

    private static JsonTypes ReadTypes(JsonElement value, string at)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return TypeOf(value.GetString()!, at);
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0)
        {
            JsonTypes types = JsonTypes.Any;
            foreach (JsonElement name in value.EnumerateArray())
            {
                types |= name.ValueKind == JsonValueKind.String ? TypeOf(name.GetString()!, at) : throw Unsupported(at, "'type' must be a type name or a list of them");
            }

            return types;
        }

        throw Unsupported(at, "'type' must be a type name or a non-empty list of them");
    }

    private static JsonTypes TypeOf(string name, string at) => name switch
    {
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        "string" => JsonTypes.String,
        "number" => JsonTypes.Number,
        "integer" => JsonTypes.Integer,
        "boolean" => JsonTypes.Boolean,
        "null" => JsonTypes.Null,
        _ => throw Unsupported(at, $"unknown type '{name}'"),
    };

    private static string TypeMessage(JsonTypes types)
    {
        if (types == JsonTypes.Any)
        {
            return string.Empty;
        }

        var names = new List<string>();
        foreach ((JsonTypes flag, string name) in new[]
        {
            (JsonTypes.Object, "an object"), (JsonTypes.Array, "an array"), (JsonTypes.String, "a string"), (JsonTypes.Number, "a number"),
            (JsonTypes.Integer, "an integer"), (JsonTypes.Boolean, "a boolean"), (JsonTypes.Null, "null"),
        })
        {
            if (types.HasFlag(flag))
            {
                names.Add(name);
            }
        }

        return "must be " + string.Join(" or ", names);
    }

    private static void ReadEnum(SchemaNode node, JsonElement value, string at)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw Unsupported(at, "'enum' must be a non-empty array");
        }

        var strings = new List<byte[]>();
        var numbers = new List<decimal>();
        var shown = new List<string>();
        foreach (JsonElement entry in value.EnumerateArray())
        {
            switch (entry.ValueKind)
            {
                case JsonValueKind.String:
                    strings.Add(Encoding.UTF8.GetBytes(entry.GetString()!));
                    shown.Add(entry.GetString()!);
                    break;
                case JsonValueKind.Number when entry.TryGetDecimal(out decimal number):
                    numbers.Add(number);
                    shown.Add(entry.GetRawText());
                    break;
                default:
                    throw Unsupported(at, "only string and number 'enum' values are supported");
            }
        }

        node.StringEnum = strings.Count > 0 ? [.. strings] : [];
        node.NumberEnum = numbers.Count > 0 ? [.. numbers] : [];
        node.EnumMessage = "must be one of " + string.Join(", ", shown);
    }

    private static int ReadCount(JsonElement value, string at) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int count) && count >= 0
            ? count
            : throw Unsupported(at, "a length must be a non-negative integer");

    private static decimal ReadBound(JsonElement value, string at) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal bound)
            ? bound
            : throw Unsupported(at, "a bound must be a number in the decimal range");

    /// <summary>
    /// An ECMA-262 pattern (what JSON Schema specifies) as a .NET regex with the same meaning for the constructs a
    /// contract uses: <see cref="RegexOptions.ECMAScript"/> gives <c>\d</c>, <c>\w</c>, <c>\s</c> their ASCII meaning,
    /// and an end anchor <c>$</c> outside a character class becomes <c>\z</c>: in ECMA-262 <c>$</c> matches only at the
    /// very end, while .NET's would also match before a final line feed (<c>"CLM-1\n"</c> would pass <c>^...$</c>).
    /// Patterns are not anchored implicitly (JSON Schema searches, it does not match whole strings).
    /// </summary>
    internal static Regex CompilePattern(string pattern, string at)
    {
        var translated = new StringBuilder(pattern.Length + 4);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                translated.Append(c).Append(pattern[++i]);
            }
            else if (inClass)
            {
                translated.Append(c);
                inClass = c != ']';
            }
            else if (c == '[')
            {
                translated.Append(c);
                inClass = true;
                // A ']' right after '[' or '[^' is a literal member.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    translated.Append(pattern[++i]);
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    translated.Append(pattern[++i]);
                }
            }
            else
            {
                translated.Append(c == '$' ? @"\z" : c.ToString());
            }
        }

        try
        {
            RegexOptions options = RegexOptions.ECMAScript | (RuntimeFeature.IsDynamicCodeCompiled ? RegexOptions.Compiled : RegexOptions.None);
            return new Regex(translated.ToString(), options, Regex.InfiniteMatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw Unsupported(at, $"the pattern is not a regular expression this validator can run: {e.Message}");
        }
    }

    internal static string EscapePointer(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static NotSupportedException Unsupported(string at, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"contract schema {at}: {problem}"));
}
