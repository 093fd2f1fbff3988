namespace Patterns.Cdk.Core;

/// <summary>
/// Collects every problem with a construct's props and throws once, so a user fixes them all in one go.
/// Each problem reads <c>&lt;Prop&gt;: &lt;what is wrong&gt; (got &lt;value&gt;); &lt;how to fix&gt;</c>.
/// </summary>
internal sealed class PropsValidator(string constructName)
{
    private readonly List<string> _problems = [];

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Records a problem when <paramref name="condition"/> is true.</summary>
    public PropsValidator When(bool condition, string prop, string problem, object? got, string fix)
    {
        if (condition)
        {
            _problems.Add($"{prop}: {problem} (got {Describe(got)}); {fix}");
        }

        return this;
    }

    /// <summary>Records that two props must not be given together.</summary>
    public PropsValidator Exclusive(string first, object? firstValue, string second, object? secondValue, string fix)
    {
        if (firstValue is not null && secondValue is not null)
        {
            _problems.Add($"{first}, {second}: both were given, but they are alternatives (got both); {fix}");
        }

        return this;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count == 0)
        {
            return;
        }

        throw new ArgumentException(
            $"Invalid {constructName}Props ({_problems.Count} problem{(_problems.Count == 1 ? "" : "s")}):" +
            Environment.NewLine + string.Join(Environment.NewLine, _problems.Select(p => " - " + p)));
    }

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        string s => $"\"{s}\"",
        Amazon.CDK.Duration d => d.ToHumanString(),
        _ => value.ToString() ?? "?",
    };
}
