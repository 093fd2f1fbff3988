namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// List prices of an MWAA environment's base hour (scheduler, web server and one worker; extra workers, schedulers,
/// web servers and metadata storage are billed on top and not counted), USD, us-east-1, as read on
/// <see cref="PriceDate"/>. The AWS pricing page (https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/)
/// could not be read from where this was written; the values come from a third-party page that quotes them:
/// https://c3x.dev/blog/mwaa-cost-managed-airflow/ (mw1.small 0.49, mw1.medium 0.88, mw1.large 1.65; the page names
/// no Region, they are taken as us-east-1; another third-party source quoted 1.96 for mw1.large, so that one is the
/// least certain). No source was found for
/// mw1.micro, mw1.xlarge and mw1.2xlarge: they have no price here and need <c>MwaaSchedulerProps.HourlyPrice</c>.
/// Prices change and differ by Region: set <c>HourlyPrice</c> for an exact figure.
/// </summary>
internal static class MwaaPrices
{
    /// <summary>The day the prices were read.</summary>
    public const string PriceDate = "2026-12-04";

    /// <summary>The Region the prices are for.</summary>
    public const string Region = "us-east-1";

    private static readonly Dictionary<string, double> Hourly = new(StringComparer.Ordinal)
    {
        ["mw1.small"] = 0.49,
        ["mw1.medium"] = 0.88,
        ["mw1.large"] = 1.65,
    };

    /// <summary>The classes with a known price, cheapest first.</summary>
    public static IReadOnlyList<string> KnownClasses { get; } = [.. Hourly.OrderBy(p => p.Value).Select(p => p.Key)];

    /// <summary>The base environment's hourly list price of <paramref name="environmentClass"/> in USD; null when unknown.</summary>
    public static double? HourlyUsd(string environmentClass) =>
        environmentClass is not null && Hourly.TryGetValue(environmentClass, out var price) ? price : null;
}
