using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>The MWAA stand-in's wire JSON (PascalCase members, as the service model names them; nulls omitted).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InvokeRestApiBody))]
[JsonSerializable(typeof(InvokeRestApiResponse))]
internal sealed partial class MwaaJsonContext : JsonSerializerContext;
