using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// An EventBridge Pipes input transformation (<c>InputTemplate</c>), applied locally to one source record, per AWS's
/// rules: a placeholder <c>&lt;$.path&gt;</c> (dot notation and array indexes) inside a JSON string is replaced by the
/// value's text; outside a string by the value as JSON. Reserved variables are rejected (our templates use none), and so
/// is a path the record does not have: what Pipes writes then is not documented, so the simulation refuses to guess and
/// the template must name only attributes every record has.
/// </summary>
public sealed class PipeInputTemplate(string template)
{
    /// <summary>The rendered text; it must be JSON when the target is an event bus (it becomes the event's detail).</summary>
    public string Render(JsonNode record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var output = new StringBuilder(template.Length * 2);
        bool inString = false;
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '<' && i + 1 < template.Length && (template[i + 1] == '$' || template[i + 1] == 'a'))
            {
                int end = template.IndexOf('>', i);
                if (end < 0)
                {
                    throw new FormatException($"Unterminated placeholder at {i} in {template}");
                }

                string path = template[(i + 1)..end];
                JsonNode? value = Resolve(record, path);
                if (inString)
                {
                    string text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value!.ToJsonString();
                    string escaped = JsonSerializer.Serialize(text);
                    output.Append(escaped, 1, escaped.Length - 2);
                }
                else
                {
                    output.Append(value!.ToJsonString());
                }

                i = end;
                continue;
            }

            if (c == '"' && !IsEscaped(template, i))
            {
                inString = !inString;
            }

            output.Append(c);
        }

        return output.ToString();
    }

    /// <summary>The rendered template parsed as JSON (fails when the template does not produce JSON).</summary>
    public JsonObject RenderJson(JsonNode record) => JsonNode.Parse(Render(record))!.AsObject();

    private static bool IsEscaped(string text, int index)
    {
        int backslashes = 0;
        for (int j = index - 1; j >= 0 && text[j] == '\\'; j--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }

    private static JsonNode Resolve(JsonNode record, string path)
    {
        if (!path.StartsWith("$.", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"The simulation does not support the Pipes variable <{path}>.");
        }

        JsonNode? node = record;
        foreach (string segment in path[2..].Split('.'))
        {
            string name = segment;
            int bracket = segment.IndexOf('[', StringComparison.Ordinal);
            List<int> indexes = [];
            if (bracket >= 0)
            {
                name = segment[..bracket];
                foreach (string index in segment[bracket..].Split('[', StringSplitOptions.RemoveEmptyEntries))
                {
                    indexes.Add(int.Parse(index.TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            node = node is JsonObject o && o.TryGetPropertyValue(name, out JsonNode? child) ? child : null;
            foreach (int index in indexes)
            {
                node = node is JsonArray a && index < a.Count ? a[index] : null;
            }

            if (node is null)
            {
                throw new KeyNotFoundException($"The record has no value at <{path}>: {record.ToJsonString()}");
            }
        }

        return node!;
    }
}
