using Amazon;
using Amazon.DynamoDBv2;
using Amazon.SQS;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>Creates the AWS SDK clients of the parameterless (Lambda) constructors, in the function's region (<c>AWS_REGION</c>).</summary>
internal static class AwsClients
{
    public static IAmazonSQS CreateSqs() => new AmazonSQSClient(Region());

    public static IAmazonDynamoDB CreateDynamoDb() => new AmazonDynamoDBClient(Region());

    private static RegionEndpoint Region() =>
        RegionEndpoint.GetBySystemName(
            Environment.GetEnvironmentVariable("AWS_REGION")
            ?? throw new InvalidOperationException("AWS_REGION is not set; Lambda sets it for every function."));
}
