using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.ColdStart.SdkFloor;

/// <summary>The hello world of tools/coldstart/Hello, whose factory also creates one AWS client (see the project file).</summary>
public static class Bootstrap
{
    private static readonly byte[] Answer = "{\"hello\":\"world\"}"u8.ToArray();

    /// <summary>Runs Lambda's runtime loop.</summary>
    public static Task<int> Main() => LambdaBootstrap.RunAsync(new Dictionary<string, Func<LambdaHandler>>(StringComparer.Ordinal)
    {
        ["Hello"] = Create,
    });

    private static LambdaHandler Create()
    {
        string region = Environment.GetEnvironmentVariable("AWS_REGION") ?? throw new InvalidOperationException("AWS_REGION is not set");
#if CLIENT_S3
        object client = new Amazon.S3.AmazonS3Client(Amazon.RegionEndpoint.GetBySystemName(region));
#elif CLIENT_SQS
        object client = new Amazon.SQS.AmazonSQSClient(Amazon.RegionEndpoint.GetBySystemName(region));
#elif CLIENT_DYNAMODB
        object client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(Amazon.RegionEndpoint.GetBySystemName(region));
#elif CLIENT_STANDIN
        object client = Patterns.Cdk.Functions.AwsStandIns.AmazonLambdaClientStandIn.CreateDefault(region, TimeSpan.FromSeconds(10));
#else
        object client = region;
#endif
        GC.KeepAlive(client);
        return HelloAsync;
    }

    private static Task<Stream> HelloAsync(Stream input) => Task.FromResult<Stream>(new MemoryStream(Answer, writable: false));
}
