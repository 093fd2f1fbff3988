using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Patterns.Cdk.RecursionSafeS3Processor;

/// <summary>The synth-time answers to "can this configuration trigger itself?".</summary>
internal static class LoopCheck
{
    /// <summary>
    /// True when some key can start with both prefixes, i.e. one is a prefix of the other (the empty prefix
    /// overlaps everything). An output written under such a prefix matches the notification filter.
    /// </summary>
    public static bool PrefixesOverlap(string a, string b) => Core.KeyPrefixes.Overlap(a, b);

    /// <summary>
    /// True when an IAM resource pattern for objects (<c>key/*</c>-style glob, already stripped of the bucket ARN)
    /// can match a key under <paramref name="triggerPrefix"/>.
    /// </summary>
    public static bool KeyPatternOverlaps(string keyPattern, string triggerPrefix)
    {
        var wildcard = keyPattern.IndexOfAny(['*', '?']);
        var literal = wildcard < 0 ? keyPattern : keyPattern[..wildcard];
        return wildcard < 0
            ? literal.StartsWith(triggerPrefix, StringComparison.Ordinal)
            : PrefixesOverlap(literal, triggerPrefix);
    }

    /// <summary>True when an IAM action pattern (e.g. <c>s3:Put*</c>, <c>*</c>) allows <c>s3:PutObject</c>.</summary>
    public static bool AllowsPutObject(string actionPattern)
    {
        var regex = "^" + Regex.Escape(actionPattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return Regex.IsMatch("s3:PutObject", regex, RegexOptions.IgnoreCase)
            || Regex.IsMatch("s3:CopyObject", regex, RegexOptions.IgnoreCase);
    }
}

/// <summary>
/// Late validation: after the whole app is built, reads the processor role's policies and fails synthesis if
/// anything (ours or the user's own grants) lets the processor write where its trigger listens.
/// Derives from <see cref="DeputyBase"/> because CDK (JavaScript) calls it through jsii.
/// </summary>
internal sealed class WriteGrantLoopValidation : DeputyBase, IValidation
{
    private readonly IRole _role;
    private readonly IBucket _triggerBucket;
    private readonly string _triggerPrefix;

    public WriteGrantLoopValidation(IRole role, IBucket triggerBucket, string triggerPrefix)
    {
        _role = role;
        _triggerBucket = triggerBucket;
        _triggerPrefix = triggerPrefix;
    }

    /// <inheritdoc />
    public string[] Validate()
    {
        var stack = Stack.Of(_triggerBucket);
        var bucketArn = Render(stack.Resolve(_triggerBucket.BucketArn));
        var problems = new List<string>();
        foreach (var policy in _role.Node.FindAll().OfType<IConstruct>().Select(c => c as Policy).Where(p => p is not null))
        {
            var document = JsonDocument.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(stack.Resolve(policy!.Document.ToJSON())));
            if (!document.RootElement.TryGetProperty("Statement", out var statements))
            {
                continue;
            }

            foreach (var statement in statements.EnumerateArray())
            {
                if (statement.TryGetProperty("Effect", out var effect) && effect.GetString() != "Allow")
                {
                    continue;
                }

                var actions = Strings(statement, "Action").Where(LoopCheck.AllowsPutObject).ToList();
                if (actions.Count == 0)
                {
                    continue;
                }

                foreach (var resource in Items(statement, "Resource"))
                {
                    var rendered = Render(resource);
                    var overlaps = rendered == "*"
                        || (rendered.StartsWith(bucketArn + "/", StringComparison.Ordinal)
                            && LoopCheck.KeyPatternOverlaps(rendered[(bucketArn.Length + 1)..], _triggerPrefix));
                    if (overlaps)
                    {
                        problems.Add(
                            $"The processor's role ({_role.Node.Path}) may write ({string.Join(", ", actions)}) to " +
                            $"'{Describe(rendered, bucketArn)}', which is where its own trigger listens (prefix '{_triggerPrefix}'). " +
                            "An object written there would invoke the processor again, forever. Remove that grant, or grant " +
                            "writes only under the OutputPrefix / to the output bucket the construct already allows.");
                    }
                }
            }
        }

        return problems.Distinct().ToArray();
    }

    private static string Describe(string rendered, string bucketArn) =>
        rendered.StartsWith(bucketArn, StringComparison.Ordinal) ? "<trigger bucket>" + rendered[bucketArn.Length..] : rendered;

    private static IEnumerable<string> Strings(JsonElement statement, string name) =>
        Items(statement, name).Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!);

    private static List<JsonElement> Items(JsonElement statement, string name) =>
        !statement.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList()
        : [value];

    /// <summary>Renders a resolved CloudFormation value as one comparable string (joins are flattened).</summary>
    private static string Render(object? resolved) =>
        Render(JsonDocument.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(resolved)).RootElement);

    private static string Render(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Fn::Join", out var join)
            && join[0].GetString() is { } separator)
        {
            return string.Join(separator, join[1].EnumerateArray().Select(Render));
        }

        return value.GetRawText();
    }
}
