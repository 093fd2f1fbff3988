using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.Support;

/// <summary>A <see cref="JsonLog"/> writing to memory, with its lines parsed back for assertions.</summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A MemoryStream holds no unmanaged resources.")]
internal sealed class TestLog
{
    private readonly MemoryStream _output = new();

    public TestLog(IReadOnlyDictionary<string, string?>? environment = null, DateTimeOffset? now = null)
    {
        Log = new JsonLog(_output, Env.From(environment ?? new Dictionary<string, string?>()), new FixedClock(now ?? FixedClock.DefaultNow));
    }

    public JsonLog Log { get; }

    public string Text => Encoding.UTF8.GetString(_output.ToArray());

    public IReadOnlyList<JsonElement> Lines =>
        Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    public IReadOnlyList<JsonElement> At(string level) =>
        Lines.Where(line => line.GetProperty("level").GetString() == level).ToList();

    /// <summary>The messages of the lines at <paramref name="level"/>.</summary>
    public IReadOnlyList<string?> Messages(string level) =>
        At(level).Select(line => line.GetProperty("message").GetString()).ToList();
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset DefaultNow = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;
}

internal static class Env
{
    public static Func<string, string?> From(IReadOnlyDictionary<string, string?> values) =>
        name => values.TryGetValue(name, out string? value) ? value : null;

    public static Func<string, string?> Of(params (string Name, string? Value)[] values) =>
        From(values.ToDictionary(v => v.Name, v => v.Value));
}
