using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Patterns.Cdk.Functions.Tests.Support;

/// <summary>Event payloads in the shapes AWS documents, built as JSON text.</summary>
internal static class Samples
{
    public const string Bucket = "uploads-bucket";
    public const string ETag = "b21b84d653bb07b05b1e6b33684dc11b";
    public const string UserPrincipal = "AWS:AIDAINPONIXQXHT3IKHL2";
    public const string ProcessorRoleId = "AROA3XFRBF535PLBIFPI4";
    public const string ProcessorPrincipal = "AWS:" + ProcessorRoleId + ":processor-function";
    public const string DeadLetterQueueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/processor-dlq";
    public const string WorkQueueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/work";

    /// <summary>One S3 event notification record (Records[] element), as in the Lambda developer guide.</summary>
    public static string S3Record(
        string key,
        string bucket = Bucket,
        string eventName = "ObjectCreated:Put",
        string principalId = UserPrincipal,
        string? versionId = null,
        string eTag = ETag,
        long size = 1305107) =>
        $$"""
        {
          "eventVersion": "2.1",
          "eventSource": "aws:s3",
          "awsRegion": "us-east-1",
          "eventTime": "2019-09-03T19:37:27.192Z",
          "eventName": "{{eventName}}",
          "userIdentity": { "principalId": "{{principalId}}" },
          "requestParameters": { "sourceIPAddress": "205.255.255.255" },
          "responseElements": {
            "x-amz-request-id": "D82B88E5F771F645",
            "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo="
          },
          "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
            "bucket": {
              "name": "{{bucket}}",
              "ownerIdentity": { "principalId": "A3I5XTEXAMAI3E" },
              "arn": "arn:aws:s3:::{{bucket}}"
            },
            "object": {
              "key": "{{key}}",
              "size": {{size}},
              "eTag": "{{eTag}}",{{(versionId is null ? "" : $"\n      \"versionId\": \"{versionId}\",")}}
              "sequencer": "0C0F6F405D6ED209E1"
            }
          }
        }
        """;

    public static string S3Event(params string[] records) => $$"""{ "Records": [ {{string.Join(",", records)}} ] }""";

    public const string S3TestEvent =
        """{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2014-10-13T15:57:02.089Z","Bucket":"uploads-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}""";

    /// <summary>One SQS event record whose body is <paramref name="body"/> (escaped into the JSON string).</summary>
    public static string SqsMessage(string messageId, string body, int receiveCount = 1) =>
        $$"""
        {
          "messageId": "{{messageId}}",
          "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
          "body": "{{Escape(body)}}",
          "attributes": {
            "ApproximateReceiveCount": "{{receiveCount}}",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185"
          },
          "messageAttributes": {
            "origin": { "stringValue": "uploader", "stringListValues": [], "binaryListValues": [], "dataType": "String" }
          },
          "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
          "eventSource": "aws:sqs",
          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:work",
          "awsRegion": "us-east-1"
        }
        """;

    public static string SqsEvent(params string[] messages) => $$"""{ "Records": [ {{string.Join(",", messages)}} ] }""";

    /// <summary>One DynamoDB stream record of the ledger table.</summary>
    public static string LedgerStreamRecord(string sequenceNumber, string key, string eventName = "INSERT", string bucket = Bucket, string? versionId = null, string eTag = ETag)
    {
        string revision = versionId ?? eTag;
        string version = versionId is null ? "" : $$""", "versionId": { "S": "{{versionId}}" }""";
        string image = eventName == "REMOVE"
            ? ""
            : $$"""
              "NewImage": {
                "objectId": { "S": "{{bucket}}/{{key}}" }, "revision": { "S": "{{revision}}" },
                "bucket": { "S": "{{bucket}}" }, "key": { "S": "{{key}}" }, "eTag": { "S": "{{eTag}}" }{{version}},
                "size": { "N": "1305107" }, "expiresAt": { "N": "1742051366" }
              },
              """;
        return $$"""
            {
              "eventID": "c4ca4238a0b923820dcc509a6f75849b",
              "eventName": "{{eventName}}",
              "eventVersion": "1.1",
              "eventSource": "aws:dynamodb",
              "awsRegion": "us-east-1",
              "dynamodb": {
                "ApproximateCreationDateTime": 1428537600,
                "Keys": { "objectId": { "S": "{{bucket}}/{{key}}" }, "revision": { "S": "{{revision}}" } },
                {{image}}
                "SequenceNumber": "{{sequenceNumber}}",
                "SizeBytes": 26,
                "StreamViewType": "NEW_IMAGE"
              },
              "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/2015-06-27T00:48:05.899"
            }
            """;
    }

    public static string StreamEvent(params string[] records) => $$"""{ "Records": [ {{string.Join(",", records)}} ] }""";

    public static MemoryStream Utf8(string json) => new(Encoding.UTF8.GetBytes(json));

    public static string ReadAll(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Escape(string text) => JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
}
