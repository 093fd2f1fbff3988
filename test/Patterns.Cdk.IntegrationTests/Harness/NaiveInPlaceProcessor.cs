using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The seed post's anti-pattern, for the harness self-test only: an S3-triggered function that writes its output
/// in place (a CopyObject onto the same key) with no guard at all. Each write triggers it again, forever.
/// </summary>
public sealed class NaiveInPlaceProcessor(IAmazonS3 s3)
{
    public async Task<Stream> HandleAsync(Stream input)
    {
        JsonNode notification = (await JsonNode.ParseAsync(input))!;
        foreach (JsonNode? record in notification["Records"]!.AsArray())
        {
            string bucket = (string)record!["s3"]!["bucket"]!["name"]!;
            string key = Uri.UnescapeDataString(((string)record["s3"]!["object"]!["key"]!).Replace('+', ' '));
            var copy = new CopyObjectRequest
            {
                SourceBucket = bucket,
                SourceKey = key,
                DestinationBucket = bucket,
                DestinationKey = key,
                MetadataDirective = S3MetadataDirective.REPLACE,
            };
            copy.Metadata.Add("processed-at", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            await s3.CopyObjectAsync(copy);
        }

        return Stream.Null;
    }
}
