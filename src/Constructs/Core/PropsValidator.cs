using System.Globalization;
using Amazon.CDK;

namespace Patterns.Cdk.Core;

/// <summary>
/// Collects every problem with a construct's props and throws once, so a user fixes them all in one go.
/// Each problem reads <c>&lt;Prop&gt;: &lt;what is wrong&gt; (got &lt;value&gt;); &lt;how to fix&gt;</c>.
/// </summary>
internal sealed class PropsValidator(string constructName)
{
    private static readonly TimeConversionOptions Fractional = new() { Integral = false };

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

    /// <summary>
    /// Records a problem for each given number that is finite but not whole (a count, a size in MB or bytes): AWS
    /// refuses a fractional one at deploy, or the handlers, which read whole numbers, at run time.
    /// </summary>
    public PropsValidator Whole(params (string Prop, double? Value)[] numbers)
    {
        foreach (var (prop, value) in numbers)
        {
            When(value is { } v && double.IsFinite(v) && v != Math.Floor(v), prop, "must be a whole number", value, "round it, e.g. " + Math.Round(value ?? 0).ToString(CultureInfo.InvariantCulture));
        }

        return this;
    }

    /// <summary>
    /// Records a problem for each number of a CDK props object the user passes through (e.g. <c>WorkQueueProps</c>,
    /// <c>ProcessorFunctionProps</c>) that is NaN or ±Infinity: jsii would refuse it later with a message that names
    /// neither the prop nor the construct.
    /// </summary>
    public PropsValidator FiniteNumbers(string prop, object? cdkProps)
    {
        if (cdkProps is null)
        {
            return this;
        }

        foreach (var property in cdkProps.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if ((property.PropertyType == typeof(double) || property.PropertyType == typeof(double?)) && property.GetIndexParameters().Length == 0
                && property.GetValue(cdkProps) is double value && !double.IsFinite(value))
            {
                When(true, $"{prop}.{property.Name}", "must be a finite number", value, "give a number, or leave it out for the default");
            }
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
            System.Environment.NewLine + string.Join(System.Environment.NewLine, _problems.Select(p => " - " + p)));
    }

    /// <summary>True when a given number is not finite or lies outside <c>[min, max]</c>; false when it was not given.</summary>
    public static bool OutOfRange(double? value, double min, double max) =>
        value is { } v && (!double.IsFinite(v) || v < min || v > max);

    /// <summary>True when a given duration is not finite or lies outside <c>[minSeconds, maxSeconds]</c>; false when it was not given.</summary>
    public static bool OutOfRange(Duration? value, double minSeconds, double maxSeconds) =>
        value is { } d && OutOfRange(Seconds(d), minSeconds, maxSeconds);

    /// <summary>True when a given duration is not a whole number of seconds (Lambda and SQS take whole seconds).</summary>
    public static bool NotWholeSeconds(Duration? value) => value is { } d && Seconds(d) != Math.Floor(Seconds(d));

    /// <summary>The duration in (fractional) seconds.</summary>
    public static double Seconds(Duration value) => value.ToSeconds(Fractional);

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        double d => Number(d),
        float f => Number(f),
        Duration d => d.ToHumanString(),
        _ => value.ToString() ?? "?",
    };

    private static string Number(double d) => d switch
    {
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => d.ToString(CultureInfo.InvariantCulture),
    };
}
