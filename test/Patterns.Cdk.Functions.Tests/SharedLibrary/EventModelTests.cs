using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class EventModelTests
{
    private static LambdaEventsJsonContext Json => LambdaEventsJsonContext.Default;

    [Fact]
    public void S3_event_notification_is_read_field_by_field()
    {
        string json = Samples.S3Event(Samples.S3Record("incoming/caf%C3%A9+menu.pdf", versionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"));

        S3Notification notification = S3Notification.Parse(json);

        notification.IsTestEvent.Should().BeFalse();
        S3EventRecord record = notification.Records.Should().ContainSingle().Subject;
        record.EventVersion.Should().Be("2.1");
        record.EventSource.Should().Be("aws:s3");
        record.AwsRegion.Should().Be("us-east-1");
        record.EventTime.Should().Be(new DateTime(2019, 9, 3, 19, 37, 27, 192, DateTimeKind.Utc));
        record.EventName.Should().Be("ObjectCreated:Put");
        record.UserIdentity!.PrincipalId.Should().Be(Samples.UserPrincipal);
        record.RequestParameters!.SourceIpAddress.Should().Be("205.255.255.255");
        record.ResponseElements!.RequestId.Should().Be("D82B88E5F771F645");
        record.ResponseElements.HostId.Should().StartWith("vlR7PnpV2Ce81l0PRw6");
        record.S3.SchemaVersion.Should().Be("1.0");
        record.S3.ConfigurationId.Should().Be("828aa6fc-f7b5-4305-8584-487c791949c1");
        record.S3.Bucket.Name.Should().Be(Samples.Bucket);
        record.S3.Bucket.Arn.Should().Be("arn:aws:s3:::uploads-bucket");
        record.S3.Bucket.OwnerIdentity!.PrincipalId.Should().Be("A3I5XTEXAMAI3E");
        record.S3.Object.Key.Should().Be("incoming/caf%C3%A9+menu.pdf");
        record.S3.Object.Size.Should().Be(1305107);
        record.S3.Object.ETag.Should().Be(Samples.ETag);
        record.S3.Object.VersionId.Should().Be("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
        record.S3.Object.Sequencer.Should().Be("0C0F6F405D6ED209E1");
    }

    [Fact]
    public void S3_event_survives_a_round_trip_with_the_same_field_names()
    {
        string json = Samples.S3Event(Samples.S3Record("incoming/a.txt", versionId: "v1"));
        S3Event parsed = LambdaJson.Parse(json, Json.S3Event);

        string written = JsonSerializer.Serialize(parsed, Json.S3Event);

        JsonElement original = JsonDocument.Parse(json).RootElement;
        JsonElement rewritten = JsonDocument.Parse(written).RootElement;
        Flatten(rewritten).Should().BeEquivalentTo(Flatten(original));
    }

    [Fact]
    public void S3_test_event_is_recognised_and_has_no_records()
    {
        S3Notification notification = S3Notification.Parse(Encoding.UTF8.GetBytes(Samples.S3TestEvent));

        notification.IsTestEvent.Should().BeTrue();
        notification.Records.Should().BeEmpty();
        notification.TestEvent!.Bucket.Should().Be("uploads-bucket");
        notification.TestEvent.Time.Should().Be(new DateTime(2014, 10, 13, 15, 57, 2, 89, DateTimeKind.Utc));
        notification.TestEvent.RequestId.Should().Be("5582815E1AEA5ADF");
    }

    [Theory]
    [InlineData("""{"Service":"Amazon S3","Event":"s3:ObjectCreated:Put"}""", "neither")]
    [InlineData("""{}""", "neither")]
    [InlineData("""{"Records":[]}""", "empty Records")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put"}]}""", "missing required properties")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":null}}}]}""", "null")]
    [InlineData("""{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":"big"}}}]}""", "size")]
    [InlineData("""{"Records": [ """, "not valid S3Event JSON")]
    [InlineData("""not json""", "not valid S3Event JSON")]
    [InlineData("""[1,2,3]""", "not valid S3Event JSON")]
    [InlineData("""null""", "JSON null")]
    [InlineData("""  """, "empty")]
    public void Anything_else_is_bad_input_with_a_reason(string json, string reasonPart)
    {
        Action parse = () => S3Notification.Parse(json);

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain(reasonPart);
    }

    [Fact]
    public void SQS_event_is_read_field_by_field()
    {
        string json = Samples.SqsEvent(Samples.SqsMessage("059f36b4-87a3-44ab-83d2-661975830a7d", "Test message.", receiveCount: 3));

        SqsEvent sqsEvent = LambdaJson.Parse(Encoding.UTF8.GetBytes(json), Json.SqsEvent);

        SqsMessage message = sqsEvent.Records.Should().ContainSingle().Subject!;
        message.MessageId.Should().Be("059f36b4-87a3-44ab-83d2-661975830a7d");
        message.ReceiptHandle.Should().StartWith("AQEB");
        message.Body.Should().Be("Test message.");
        message.Attributes!.ApproximateReceiveCount.Should().Be("3");
        message.Attributes.SentTimestamp.Should().Be("1545082649183");
        message.Attributes.SenderId.Should().Be("AIDAIENQZJOLO23YVJ4VO");
        message.Attributes.ApproximateFirstReceiveTimestamp.Should().Be("1545082649185");
        message.MessageAttributes!["origin"].StringValue.Should().Be("uploader");
        message.MessageAttributes["origin"].DataType.Should().Be("String");
        message.Md5OfBody.Should().Be("e4e68fb7bd0e697a0ae8f1bb342846b3");
        message.EventSource.Should().Be("aws:sqs");
        message.EventSourceArn.Should().Be("arn:aws:sqs:us-east-1:123456789012:work");
        message.AwsRegion.Should().Be("us-east-1");
    }

    [Fact]
    public void SQS_body_holding_an_S3_notification_is_unescaped_intact()
    {
        string s3Json = Samples.S3Event(Samples.S3Record("incoming/a+b.txt"));
        SqsEvent sqsEvent = LambdaJson.Parse(Samples.SqsEvent(Samples.SqsMessage("m1", s3Json)), Json.SqsEvent);

        S3Notification.Parse(sqsEvent.Records[0]!.Body).Records[0].S3.Object.Key.Should().Be("incoming/a+b.txt");
    }

    [Fact]
    public void DynamoDB_stream_event_is_read_with_every_attribute_value_type()
    {
        const string json = """
            {
              "Records": [
                {
                  "eventID": "1",
                  "eventName": "MODIFY",
                  "eventVersion": "1.1",
                  "eventSource": "aws:dynamodb",
                  "awsRegion": "us-east-1",
                  "dynamodb": {
                    "ApproximateCreationDateTime": 1479499740,
                    "Keys": { "Id": { "N": "101" } },
                    "NewImage": {
                      "Id": { "N": "101" },
                      "Message": { "S": "New item!" },
                      "Active": { "BOOL": false },
                      "Nothing": { "NULL": true },
                      "Tags": { "SS": ["a", "b"] },
                      "Scores": { "NS": ["1", "2.5"] },
                      "Owner": { "M": { "Name": { "S": "Ana" }, "Age": { "N": "41" } } },
                      "History": { "L": [ { "S": "created" }, { "N": "7" }, { "M": { "By": { "S": "x" } } } ] }
                    },
                    "OldImage": { "Id": { "N": "101" }, "Message": { "S": "Old item" } },
                    "SequenceNumber": "222",
                    "SizeBytes": 59,
                    "StreamViewType": "NEW_AND_OLD_IMAGES"
                  },
                  "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Example/stream/2016-11-18T20:07:53.186"
                }
              ]
            }
            """;

        DynamoDbStreamEvent streamEvent = LambdaJson.Parse(json, Json.DynamoDbStreamEvent);

        DynamoDbStreamRecord record = streamEvent.Records.Should().ContainSingle().Subject!;
        record.EventId.Should().Be("1");
        record.EventName.Should().Be("MODIFY");
        record.EventSource.Should().Be("aws:dynamodb");
        record.EventSourceArn.Should().StartWith("arn:aws:dynamodb:");
        StreamChange change = record.Dynamodb;
        change.ApproximateCreationDateTime.Should().Be(1479499740);
        change.Keys!["Id"].N.Should().Be("101");
        change.SequenceNumber.Should().Be("222");
        change.SizeBytes.Should().Be(59);
        change.StreamViewType.Should().Be("NEW_AND_OLD_IMAGES");
        change.OldImage!["Message"].S.Should().Be("Old item");
        IReadOnlyDictionary<string, StreamAttributeValue> image = change.NewImage!;
        image["Message"].S.Should().Be("New item!");
        image["Active"].Bool.Should().BeFalse();
        image["Nothing"].Null.Should().BeTrue();
        image["Tags"].SS.Should().Equal("a", "b");
        image["Scores"].NS.Should().Equal("1", "2.5");
        image["Owner"].M!["Name"].S.Should().Be("Ana");
        image["Owner"].M!["Age"].N.Should().Be("41");
        image["History"].L!.Select(v => v.S ?? v.N ?? v.M!["By"].S).Should().Equal("created", "7", "x");
    }

    [Fact]
    public void DynamoDB_stream_record_without_a_sequence_number_is_bad_input()
    {
        const string json = """{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{}}}]}""";

        Action parse = () => LambdaJson.Parse(json, Json.DynamoDbStreamEvent);

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain("SequenceNumber");
    }

    [Fact]
    public void Batch_response_has_exactly_the_shape_Lambda_expects()
    {
        var response = new BatchResponse { BatchItemFailures = [new BatchItemFailure { ItemIdentifier = "id" }] };

        JsonSerializer.Serialize(response, Json.BatchResponse).Should().Be("""{"batchItemFailures":[{"itemIdentifier":"id"}]}""");
    }

    [Fact]
    public void Empty_batch_response_keeps_the_array()
    {
        var response = new BatchResponse { BatchItemFailures = [] };

        JsonSerializer.Serialize(response, Json.BatchResponse).Should().Be("""{"batchItemFailures":[]}""");
    }

    [Theory]
    [InlineData("aws:sqs")]
    [InlineData("aws:dynamodb")]
    public void Event_source_probe_reads_the_first_record_source(string source)
    {
        string json = source == "aws:sqs"
            ? Samples.SqsEvent(Samples.SqsMessage("m1", "{}"))
            : Samples.StreamEvent(Samples.LedgerStreamRecord("1", "incoming/a.txt"));

        LambdaJson.Parse(json, Json.EventSourceProbe).EventSource.Should().Be(source);
    }

    [Fact]
    public void Event_source_probe_of_an_event_without_records_is_null()
    {
        LambdaJson.Parse("""{"Records":[]}""", Json.EventSourceProbe).EventSource.Should().BeNull();
    }

    private static Dictionary<string, string> Flatten(JsonElement element, string path = "$")
    {
        var result = new Dictionary<string, string>();
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    foreach ((string key, string value) in Flatten(property.Value, $"{path}.{property.Name}"))
                    {
                        result[key] = value;
                    }
                }

                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    foreach ((string key, string value) in Flatten(item, $"{path}[{index++}]"))
                    {
                        result[key] = value;
                    }
                }

                break;
            default:
                result[path] = element.GetRawText();
                break;
        }

        return result;
    }
}
