using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage(
    "Naming",
    "CA1716:Identifiers should not match keywords",
    Justification = "The namespace follows the fixed project name Patterns.Cdk.Functions.Shared; it is consumed from C# only.",
    Scope = "namespace",
    Target = "~N:Patterns.Cdk.Functions.Shared")]

[assembly: SuppressMessage(
    "Naming",
    "CA1716:Identifiers should not match keywords",
    Justification = "The namespace follows the fixed project name Patterns.Cdk.Functions.Shared; it is consumed from C# only.",
    Scope = "namespace",
    Target = "~N:Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn")]
