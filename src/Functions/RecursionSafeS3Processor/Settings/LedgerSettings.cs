using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>Settings of <see cref="LedgerRecorder"/>.</summary>
/// <param name="Scope"><c>SOURCE_BUCKET</c>, <c>INPUT_PREFIX</c>.</param>
/// <param name="TableName"><c>LEDGER_TABLE</c>: the ledger of object revisions.</param>
/// <param name="TtlSeconds"><c>LEDGER_TTL_SECONDS</c>: how long a revision is remembered.</param>
/// <param name="ProcessorRoleId"><c>PROCESSOR_ROLE_ID</c>: the unique id (<c>AROA...</c>) of the processor's role, whose writes are not recorded.</param>
public sealed record LedgerSettings(SourceScope Scope, string TableName, int TtlSeconds, string ProcessorRoleId)
{
    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static LedgerSettings FromEnvironment(Func<string, string?> environment)
    {
        var reader = new SettingsReader(environment);
        var settings = new LedgerSettings(
            SourceScope.Read(reader),
            reader.Required("LEDGER_TABLE"),
            reader.PositiveInt32("LEDGER_TTL_SECONDS"),
            reader.Required("PROCESSOR_ROLE_ID"));
        reader.ThrowIfInvalid(nameof(LedgerRecorder));
        return settings;
    }
}
