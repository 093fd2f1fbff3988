using Amazon.DynamoDBv2;
using Amazon.SQS;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>Creates the AWS SDK clients of the parameterless (Lambda) constructors, in the function's region.</summary>
internal static class AwsClients
{
    public static IAmazonSQS CreateSqs() => new AmazonSQSClient(LambdaRegion.Endpoint);

    public static IAmazonDynamoDB CreateDynamoDb() => new AmazonDynamoDBClient(LambdaRegion.Endpoint);
}
