using System.Globalization;

namespace Patterns.Cdk.Functions.MwaaScheduler.Catalog;

/// <summary>Whether the bundled export and import DAGs can move an environment's metadata.</summary>
/// <param name="Supported">2.7 ≤ version &lt; 3.</param>
/// <param name="Reason">Why not, when not supported.</param>
public sealed record AirflowVersionSupport(bool Supported, string? Reason)
{
    public const string SupportedValue = "supported";
    public const string UnsupportedValue = "unsupported";

    /// <summary><c>supported</c> or <c>unsupported</c>, as the pause workflow's RouteExport reads it.</summary>
    public string MetadataExport => Supported ? SupportedValue : UnsupportedValue;

    /// <summary>
    /// Decides from GetEnvironment's <c>AirflowVersion</c> (<c>2.10.3</c>): Airflow 2.7 to 2.x is supported (the DAGs
    /// reflect tables at run time and intersect columns on import); 3.x is not, because tasks may not use the
    /// metadata database's ORM there; versions before 2.7 are not, because the export was built against 2.7's schema.
    /// </summary>
    public static AirflowVersionSupport Decide(string? airflowVersion)
    {
        if (!TryParse(airflowVersion, out int major, out int minor))
        {
            return new(false, $"Airflow version '{airflowVersion ?? "(none)"}' is not a version number the metadata export can judge");
        }

        if (major >= 3)
        {
            return new(false, $"Airflow {airflowVersion}: tasks cannot reach the metadata database (direct ORM access is not allowed from Airflow 3 tasks), so the export DAG cannot run");
        }

        if (major < 2 || minor < 7)
        {
            return new(false, $"Airflow {airflowVersion}: older than 2.7, the oldest version the bundled export and import DAGs support");
        }

        return new(true, null);
    }

    private static bool TryParse(string? version, out int major, out int minor)
    {
        major = 0;
        minor = 0;
        if (string.IsNullOrEmpty(version))
        {
            return false;
        }

        string[] parts = version.Split('.');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }
}
