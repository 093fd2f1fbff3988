using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

/// <summary>JSON Schema's instance types, as flags (<see cref="Any"/> when a schema has no <c>type</c>).</summary>
[Flags]
internal enum JsonTypes
{
    Any = 0,
    Object = 1,
    Array = 2,
    String = 4,
    Number = 8,
    Integer = 16,
    Boolean = 32,
    Null = 64,
}

/// <summary>
/// One compiled (sub)schema of a contract. The schemas have no <c>$ref</c>, so each declared property has one instance
/// location, computed once (<see cref="InstancePointer"/>): reporting a violation costs no string building.
/// </summary>
internal sealed class SchemaNode
{
    public required string InstancePointer { get; init; }

    /// <summary>Where the subschema is in the schema document (<c>#/properties/damage</c>), for compile errors.</summary>
    public required string SchemaPointer { get; init; }

    public JsonTypes Types { get; set; }

    /// <summary>"must be a string", "must be an integer", ... (precomputed).</summary>
    public string TypeMessage { get; set; } = string.Empty;

    // --- object ---
    public string[] PropertyNames { get; set; } = [];

    public byte[][] PropertyNamesUtf8 { get; set; } = [];

    public SchemaNode[] PropertySchemas { get; set; } = [];

    /// <summary>Bit i set: property i is required.</summary>
    public ulong RequiredMask { get; set; }

    /// <summary>False when <c>additionalProperties</c> is <c>false</c>.</summary>
    public bool AdditionalPropertiesAllowed { get; set; } = true;

    public string ClosedObjectMessage { get; set; } = string.Empty;

    // --- string ---
    public int? MinLength { get; set; }

    public int? MaxLength { get; set; }

    public Regex? Pattern { get; set; }

    /// <summary>The pattern as written in the schema (ECMA-262 syntax).</summary>
    public string? PatternSource { get; set; }

    // --- number ---
    public decimal? Minimum { get; set; }

    public decimal? Maximum { get; set; }

    // --- enum ---
    public byte[][]? StringEnum { get; set; }

    public decimal[]? NumberEnum { get; set; }

    public string EnumMessage { get; set; } = string.Empty;

    public bool HasStringChecks => MinLength is not null || MaxLength is not null || Pattern is not null || StringEnum is not null;

    public int IndexOfProperty(string name) => Array.IndexOf(PropertyNames, name);
}
