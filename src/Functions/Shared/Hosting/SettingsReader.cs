using System.Globalization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Reads a handler's environment variables once, collecting every problem so that a misconfigured
/// function fails at start-up with one message listing all of them (<see cref="ThrowIfInvalid"/>).
/// </summary>
public sealed class SettingsReader(Func<string, string?> environment)
{
    private readonly List<string> _problems = [];

    /// <summary>A value that must be set and not blank.</summary>
    public string Required(string name)
    {
        string? value = environment(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            _problems.Add($"{name} is required but not set");
            return string.Empty;
        }

        return value;
    }

    /// <summary>A value that may be unset or empty, in which case <paramref name="defaultValue"/> is used.</summary>
    public string Optional(string name, string defaultValue = "") =>
        environment(name) is { Length: > 0 } value ? value : defaultValue;

    /// <summary>A required whole number greater than zero.</summary>
    public int PositiveInt32(string name)
    {
        string value = Required(name);
        if (value.Length == 0)
        {
            return 0;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0)
        {
            return number;
        }

        _problems.Add($"{name} must be a whole number greater than zero (got '{value}')");
        return 0;
    }

    /// <summary>An optional whole number greater than zero; null when unset or empty.</summary>
    public int? OptionalPositiveInt32(string name)
    {
        string value = Optional(name);
        if (value.Length == 0)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0)
        {
            return number;
        }

        _problems.Add($"{name} must be a whole number greater than zero (got '{value}')");
        return null;
    }

    /// <summary>A required value that must be one of the names of <typeparamref name="TEnum"/> (exact spelling).</summary>
    public TEnum OneOf<TEnum>(string name)
        where TEnum : struct, Enum
    {
        string value = Required(name);
        if (value.Length == 0)
        {
            return default;
        }

        string[] names = Enum.GetNames<TEnum>();
        if (Array.IndexOf(names, value) >= 0)
        {
            return Enum.Parse<TEnum>(value);
        }

        _problems.Add($"{name} must be one of {string.Join(", ", names)} (got '{value}')");
        return default;
    }

    /// <summary>Records a problem found by a check across several values.</summary>
    public void AddProblem(string problem) => _problems.Add(problem);

    /// <exception cref="InvalidOperationException">At least one problem was found; the message lists all of them.</exception>
    public void ThrowIfInvalid(string component)
    {
        if (_problems.Count > 0)
        {
            throw new InvalidOperationException($"{component} is misconfigured: {string.Join("; ", _problems)}.");
        }
    }
}
