using Patterns.Cdk.Functions.MwaaScheduler.Catalog;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>Which Airflow versions the bundled DAGs can export: 2.7 ≤ v &lt; 3.</summary>
public sealed class AirflowVersionSupportTests
{
    [Theory]
    [InlineData("2.7.2")]
    [InlineData("2.8.1")]
    [InlineData("2.9.2")]
    [InlineData("2.10.3")]
    [InlineData("2.11.0")]
    [InlineData("2.7")]
    public void Airflow_2_7_to_2_x_is_supported(string version)
    {
        AirflowVersionSupport support = AirflowVersionSupport.Decide(version);

        support.Supported.Should().BeTrue();
        support.MetadataExport.Should().Be("supported");
        support.Reason.Should().BeNull();
    }

    [Theory]
    [InlineData("3.0.6", "*Airflow 3.0.6: tasks cannot reach the metadata database*")]
    [InlineData("3.1.0", "*Airflow 3.1.0: tasks cannot reach the metadata database*")]
    [InlineData("2.6.3", "*Airflow 2.6.3: older than 2.7*")]
    [InlineData("2.4.3", "*older than 2.7*")]
    [InlineData("1.10.12", "*older than 2.7*")]
    [InlineData("latest", "*not a version number*")]
    [InlineData("2", "*not a version number*")]
    [InlineData("", "*not a version number*")]
    [InlineData(null, "*(none)*")]
    public void Other_versions_are_unsupported_with_a_reason(string? version, string reason)
    {
        AirflowVersionSupport support = AirflowVersionSupport.Decide(version);

        support.Supported.Should().BeFalse();
        support.MetadataExport.Should().Be("unsupported");
        support.Reason.Should().Match(reason);
    }
}
