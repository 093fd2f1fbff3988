using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The source-generated serializer for every event model (reflection-based JSON is disabled in the handlers).
/// Non-nullable and <c>required</c> members are enforced, so an event missing them fails to parse and becomes bad input.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(S3Event))]
[JsonSerializable(typeof(S3TestEvent))]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(DynamoDbStreamEvent))]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(EventSourceProbe))]
[JsonSerializable(typeof(HttpApiV2Request))]
[JsonSerializable(typeof(HttpApiV2Response))]
[JsonSerializable(typeof(RestApiProxyRequest))]
[JsonSerializable(typeof(RestApiProxyResponse))]
public sealed partial class LambdaEventsJsonContext : JsonSerializerContext;
