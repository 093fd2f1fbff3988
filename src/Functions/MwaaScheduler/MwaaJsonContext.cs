using System.Text.Json;
using System.Text.Json.Serialization;
using Patterns.Cdk.Functions.MwaaScheduler.Catalog;
using Patterns.Cdk.Functions.MwaaScheduler.DagRuns;
using Patterns.Cdk.Functions.MwaaScheduler.Lock;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>The handlers' payloads (camelCase, as the workflows write them; nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DagRunsInput))]
[JsonSerializable(typeof(DagRunOutput))]
[JsonSerializable(typeof(CatalogInput))]
[JsonSerializable(typeof(SaveConfigurationOutput))]
[JsonSerializable(typeof(VerifyOutput))]
[JsonSerializable(typeof(LoadLatestOutput))]
[JsonSerializable(typeof(LatestVerified))]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(LockInput))]
[JsonSerializable(typeof(AcquireOutput))]
[JsonSerializable(typeof(ReleaseOutput))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class MwaaJsonContext : JsonSerializerContext;
