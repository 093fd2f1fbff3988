namespace Patterns.Cdk.Functions.Tests.Support;

/// <summary>
/// Sets process environment variables for one test and restores their previous values when disposed. Environment
/// variables are process-wide, so tests using this belong to the non-parallel <c>ProcessEnvironment</c> collection.
/// </summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];

    /// <summary>Sets <paramref name="name"/>, remembering the value it had before this scope first touched it.</summary>
    public void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
