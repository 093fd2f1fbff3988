using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>Settings of <see cref="ObjectMetadataGuard"/>.</summary>
/// <param name="Scope"><c>SOURCE_BUCKET</c>, <c>INPUT_PREFIX</c>.</param>
/// <param name="WorkQueueUrl"><c>WORK_QUEUE_URL</c>: where originals are forwarded for processing.</param>
/// <param name="MarkerKey"><c>MARKER_KEY</c> (default <c>original</c>): the user metadata key that marks an original.</param>
/// <param name="MarkerValue"><c>MARKER_VALUE</c> (default <c>true</c>): the value it must have, compared exactly.</param>
/// <param name="ProcessorRoleId">
/// <c>PROCESSOR_ROLE_ID</c> (optional): the unique id of the processor's role. Objects it wrote are outputs, recognised
/// from the event alone, so the guard spends no HeadObject on them.
/// </param>
public sealed record GuardSettings(SourceScope Scope, string WorkQueueUrl, string MarkerKey, string MarkerValue, string? ProcessorRoleId = null)
{
    public const string DefaultMarkerKey = "original";
    public const string DefaultMarkerValue = "true";

    /// <exception cref="InvalidOperationException">A variable is missing or invalid; the message lists every problem.</exception>
    public static GuardSettings FromEnvironment(Func<string, string?> environment)
    {
        var reader = new SettingsReader(environment);
        var settings = new GuardSettings(
            SourceScope.Read(reader),
            reader.Required("WORK_QUEUE_URL"),
            reader.Optional("MARKER_KEY", DefaultMarkerKey),
            reader.Optional("MARKER_VALUE", DefaultMarkerValue),
            reader.Optional("PROCESSOR_ROLE_ID") is { Length: > 0 } roleId ? roleId : null);
        reader.ThrowIfInvalid(nameof(ObjectMetadataGuard));
        return settings;
    }
}
