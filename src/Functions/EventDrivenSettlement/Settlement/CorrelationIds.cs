namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// What a correlation id may be: 1 to 128 visible ASCII characters, without <c>"</c> or <c>\</c>. It is copied into the
/// <c>Settlement.Finalized</c> detail by the Pipe's input template, which inserts values as they are, so a value that
/// would need escaping in JSON is refused up front. EventBridge event ids and API Gateway request ids (UUIDs) always pass.
/// </summary>
public static class CorrelationIds
{
    public const int MaxLength = 128;

    public const string Rule = "1 to 128 visible ASCII characters, without quotes or backslashes";

    public static bool IsValid(string? value)
    {
        if (value is null || value.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is < '!' or > '~' or '"' or '\\')
            {
                return false;
            }
        }

        return true;
    }
}
