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
#elif CLIENT_ALL
        // The three AWS SDK clients the bundled handlers use, as their factories create them.
        var endpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        object client = (new Amazon.S3.AmazonS3Client(endpoint), new Amazon.SQS.AmazonSQSClient(endpoint), new Amazon.DynamoDBv2.AmazonDynamoDBClient(endpoint));
#elif CLIENT_STANDIN
        object client = Patterns.Cdk.Functions.AwsStandIns.AmazonLambdaClientStandIn.CreateDefault(region, TimeSpan.FromSeconds(10));
#elif CLIENT_S3CALLS
        var s3 = new Amazon.S3.AmazonS3Client(Amazon.RegionEndpoint.GetBySystemName(region));
        return input => CallsOrHelloAsync(input, (bucket, key) => S3CallsAsync(s3, bucket, key));
#elif CLIENT_S3STANDIN
        var s3 = new S3FloorClient(region);
        return input => CallsOrHelloAsync(input, (bucket, key) => S3StandInCallsAsync(s3, bucket, key));
#else
        object client = region;
#endif
#if !CLIENT_S3CALLS && !CLIENT_S3STANDIN
        GC.KeepAlive(client);
        return HelloAsync;
#endif
    }

#if CLIENT_S3CALLS || CLIENT_S3STANDIN
    // The S3 operations a handler uses (HeadObject, GetObject, PutObject, CopyObject), reachable so that the compiler
    // keeps their code as in a handler, but called only when SDKFLOOR_BUCKET is set, which the harness never does: the
    // measured invocation answers like the hello world.
    private static async Task<Stream> CallsOrHelloAsync(Stream input, Func<string, string, Task> calls)
    {
        if (Environment.GetEnvironmentVariable("SDKFLOOR_BUCKET") is { Length: > 0 } bucket)
        {
            await calls(bucket, "coldstart/floor.txt");
        }

        return await HelloAsync(input);
    }
#endif

#if CLIENT_S3CALLS
    private static async Task S3CallsAsync(Amazon.S3.AmazonS3Client s3, string bucket, string key)
    {
        var put = new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "floor", ContentType = "text/plain" };
        put.Metadata["original"] = "true";
        await s3.PutObjectAsync(put);
        Amazon.S3.Model.GetObjectMetadataResponse head = await s3.GetObjectMetadataAsync(bucket, key);
        using (Amazon.S3.Model.GetObjectResponse get = await s3.GetObjectAsync(bucket, key))
        {
            await get.ResponseStream.CopyToAsync(Stream.Null);
        }

        var copy = new Amazon.S3.Model.CopyObjectRequest
        {
            SourceBucket = bucket, SourceKey = key, DestinationBucket = bucket, DestinationKey = key + ".copy",
            MetadataDirective = Amazon.S3.S3MetadataDirective.REPLACE,
        };
        copy.Metadata["etag"] = head.ETag;
        await s3.CopyObjectAsync(copy);
    }
#endif

#if CLIENT_S3STANDIN
    private static async Task S3StandInCallsAsync(S3FloorClient s3, string bucket, string key)
    {
        await s3.PutObjectAsync(bucket, key, "floor"u8.ToArray(), "text/plain", new Dictionary<string, string> { ["original"] = "true" }, CancellationToken.None);
        S3FloorObject? head = await s3.HeadObjectAsync(bucket, key, CancellationToken.None);
        await s3.GetObjectAsync(bucket, key, CancellationToken.None);
        await s3.CopyObjectAsync(bucket, key, bucket, key + ".copy", new Dictionary<string, string> { ["etag"] = head?.ETag ?? "" }, CancellationToken.None);
    }
#endif

    private static Task<Stream> HelloAsync(Stream input) => Task.FromResult<Stream>(new MemoryStream(Answer, writable: false));
}
