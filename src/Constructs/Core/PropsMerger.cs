using System.Reflection;

namespace Patterns.Cdk.Core;

/// <summary>
/// Layers a user's CDK props object over our secure defaults: every property the user set wins, every
/// property the user left unset keeps our default. Works for any jsii props class (plain get/set properties).
/// </summary>
internal static class PropsMerger
{
    /// <summary>Returns a new <typeparamref name="T"/> with <paramref name="overrides"/> applied over <paramref name="defaults"/>.</summary>
    public static T Merge<T>(T defaults, T? overrides)
        where T : class, new()
    {
        var result = new T();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || !property.CanWrite || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = overrides is null ? null : property.GetValue(overrides);
            property.SetValue(result, value ?? property.GetValue(defaults));
        }

        return result;
    }
}
