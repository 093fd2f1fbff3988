using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Progress;

/// <summary>Where progress is kept and for how long.</summary>
/// <param name="TableName"><c>TABLE_NAME</c>: the progress table.</param>
/// <param name="TtlDays"><c>JOB_TTL_DAYS</c>: every write sets <c>expiresAt</c> to now + this many days (epoch seconds).</param>
internal sealed record ProgressSettings(string TableName, int TtlDays)
{
    public const string TableNameVariable = "TABLE_NAME";
    public const string TtlDaysVariable = "JOB_TTL_DAYS";

    /// <summary>Reads both variables into <paramref name="reader"/>, which collects the problems.</summary>
    public static ProgressSettings Read(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ProgressSettings(reader.Required(TableNameVariable), reader.PositiveInt32(TtlDaysVariable));
    }

    /// <summary>The <c>expiresAt</c> of an item written at <paramref name="now"/>, in epoch seconds as DynamoDB TTL requires.</summary>
    public long ExpiresAt(DateTimeOffset now) => now.AddDays(TtlDays).ToUnixTimeSeconds();
}
