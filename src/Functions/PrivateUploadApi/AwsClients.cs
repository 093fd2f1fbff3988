using Amazon.DynamoDBv2;
using Amazon.S3;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi;

/// <summary>
/// Creates the AWS clients of the parameterless (Lambda) constructors, in the function's region. The SDK clients honour
/// <c>AWS_ENDPOINT_URL_S3</c>/<c>AWS_ENDPOINT_URL_DYNAMODB</c> (tests); the EventBridge stand-in goes to
/// <c>EVENTBRIDGE_ENDPOINT</c> when set.
/// </summary>
internal static class AwsClients
{
    /// <summary>One PutEvents call: EventBridge answers in milliseconds; the margin covers a slow connection.</summary>
    public static readonly TimeSpan PutEventsTimeout = TimeSpan.FromSeconds(5);

    public static IAmazonS3 CreateS3() => new AmazonS3Client(LambdaRegion.Endpoint);

    public static IAmazonDynamoDB CreateDynamoDb() => new AmazonDynamoDBClient(LambdaRegion.Endpoint);

    public static AmazonEventBridgeClientStandIn CreateEventBridge(Uri? endpointOverride) =>
        AmazonEventBridgeClientStandIn.CreateDefault(LambdaRegion.Name, PutEventsTimeout, endpointOverride);
}
