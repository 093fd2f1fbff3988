using Amazon.CDK;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>Synth-time warnings with stable ids (<c>patterns-cdk:&lt;Construct&gt;.&lt;topic&gt;</c>) users can acknowledge.</summary>
internal static class Warnings
{
    /// <summary>Emits a warning when a secure default was overridden.</summary>
    public static void Add(IConstruct scope, string construct, string topic, string message) =>
        Annotations.Of(scope).AddWarningV2($"patterns-cdk:{construct}.{topic}", message);
}
