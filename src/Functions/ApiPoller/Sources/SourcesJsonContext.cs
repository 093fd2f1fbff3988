using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// Source-generated JSON of <c>API_POLLER_SOURCES</c>. Unknown members are rejected: a misspelt setting in the
/// construct's output must fail loudly instead of silently taking its default.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<SourceDocument>))]
internal sealed partial class SourcesJsonContext : JsonSerializerContext;
