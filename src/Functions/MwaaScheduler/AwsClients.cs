using Amazon.DynamoDBv2;
using Amazon.S3;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.MwaaScheduler;

/// <summary>Creates the AWS clients of the parameterless (Lambda) constructors, in the function's region.</summary>
internal static class AwsClients
{
    /// <summary>MWAA's InvokeRestApi: MWAA documents a 10 s limit on the Airflow call; the margin covers MWAA itself.</summary>
    public static readonly TimeSpan InvokeRestApiTimeout = TimeSpan.FromSeconds(12);

    public static IAmazonS3 CreateS3() => new AmazonS3Client(LambdaRegion.Endpoint);

    public static IAmazonDynamoDB CreateDynamoDb() => new AmazonDynamoDBClient(LambdaRegion.Endpoint);

    /// <summary>The regional endpoint, or <c>MWAA_ENDPOINT</c> when set (tests).</summary>
    public static AmazonMWAAClientStandIn CreateMwaa(string? endpointOverride) =>
        AmazonMWAAClientStandIn.CreateDefault(
            LambdaRegion.Name,
            InvokeRestApiTimeout,
            string.IsNullOrEmpty(endpointOverride) ? null : new Uri(endpointOverride, UriKind.Absolute));
}
