namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// One explicit key/value pair on a log line (a correlation id such as a bucket, key or message id).
/// Only fields passed this way are logged: there is no way to log an object graph.
/// Write them as tuples: <c>log.Info("stamped", ("bucket", bucket), ("size", size))</c>.
/// </summary>
public readonly struct LogField
{
    private LogField(string name, string? text, long? number)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Text = text;
        Number = number;
    }

    public string Name { get; }

    /// <summary>The value when it is text (null text is written as JSON null).</summary>
    public string? Text { get; }

    /// <summary>The value when it is a number.</summary>
    public long? Number { get; }

    public static LogField Of(string name, string? value) => new(name, value, number: null);

    public static LogField Of(string name, long value) => new(name, text: null, value);

    public static implicit operator LogField((string Name, string? Value) field) => Of(field.Name, field.Value);

    public static implicit operator LogField((string Name, long Value) field) => Of(field.Name, field.Value);
}
