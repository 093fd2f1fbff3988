using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.Tests.MwaaScheduler;

/// <summary>The workflows Catch and Retry on these errorType names: the runtime loop reports each exception's type name.</summary>
public sealed class MwaaErrorNameTests
{
    public static TheoryData<Exception, string> Errors => new()
    {
        { new DagNotFound("m"), "DagNotFound" },
        { new AirflowAccessDenied("m"), "AirflowAccessDenied" },
        { new AirflowUnavailable("m"), "AirflowUnavailable" },
        { new RestApiNotSupported("m"), "RestApiNotSupported" },
        { new BadInput("m"), "BadInput" },
        { new BackupVerificationFailed("m"), "BackupVerificationFailed" },
        { new NoVerifiedBackup("m"), "NoVerifiedBackup" },
        { new LockHeld("m"), "LockHeld" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void The_reported_errorType_is_the_contract_name(Exception error, string errorType)
    {
        ErrorReport report = ErrorReport.From(error);

        report.ErrorType.Should().Be(errorType);
        report.ErrorMessage.Should().Be("m");
    }

    [Fact]
    public void The_bootstrap_serves_the_three_handler_strings() =>
        Bootstrap.Handlers.Keys.Should().BeEquivalentTo(["MwaaDagRuns", "MwaaBackupCatalog", "MwaaLock"]);
}
