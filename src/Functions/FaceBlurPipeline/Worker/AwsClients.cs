using Amazon;
using Amazon.S3;
using Amazon.SQS;

namespace Patterns.Cdk.Functions.FaceBlurPipeline;

/// <summary>Creates the AWS SDK clients of the parameterless (Lambda) constructor, in the function's region (<c>AWS_REGION</c>).</summary>
internal static class AwsClients
{
    public static string Region =>
        Environment.GetEnvironmentVariable("AWS_REGION")
        ?? throw new InvalidOperationException("AWS_REGION is not set; Lambda sets it for every function.");

    public static IAmazonS3 CreateS3() => new AmazonS3Client(RegionEndpoint.GetBySystemName(Region));

    public static IAmazonSQS CreateSqs() => new AmazonSQSClient(RegionEndpoint.GetBySystemName(Region));
}
