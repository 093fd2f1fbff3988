using Amazon.S3;
using Amazon.SQS;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline;

/// <summary>Creates the AWS SDK clients of the parameterless (Lambda) constructor, in the function's region.</summary>
internal static class AwsClients
{
    public static IAmazonS3 CreateS3() => new AmazonS3Client(LambdaRegion.Endpoint);

    public static IAmazonSQS CreateSqs() => new AmazonSQSClient(LambdaRegion.Endpoint);
}
