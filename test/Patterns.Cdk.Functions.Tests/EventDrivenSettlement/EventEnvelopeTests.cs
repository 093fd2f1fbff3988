using System.Text;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

public class EventEnvelopeTests
{
    [Fact]
    public void The_envelope_gives_id_source_detail_type_and_where_the_detail_is()
    {
        string detail = SettlementSamples.Detail();
        byte[] body = Encoding.UTF8.GetBytes(SettlementSamples.Event(detail));

        EventEnvelope envelope = EventEnvelope.Parse(body);

        envelope.Id.Should().Be(SettlementSamples.EventId);
        envelope.Source.Should().Be("fraud.service");
        envelope.DetailType.Should().Be("Fraud.Not.Detected");
        envelope.IsFraudNotDetected.Should().BeTrue();
        Encoding.UTF8.GetString(body.AsSpan()[envelope.Detail]).Should().Be(detail);
    }

    [Fact]
    public void Member_order_does_not_matter_and_escaped_names_are_read()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"detail":{"a":1},"detail\u002Dtype":"Fraud.Not.Detected","source":"fraud.service","id":"e1"}""");

        EventEnvelope envelope = EventEnvelope.Parse(body);

        envelope.DetailType.Should().Be("Fraud.Not.Detected");
        Encoding.UTF8.GetString(body.AsSpan()[envelope.Detail]).Should().Be("""{"a":1}""");
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("hello", "not valid JSON")]
    [InlineData("""{"id":"e1",""", "not valid JSON")]
    [InlineData("""{"id":"e1","source":"s","detail-type":"t","detail":{}} trailing""", "not valid JSON")]
    [InlineData("[1,2]", "not an EventBridge event: the body is not a JSON object")]
    [InlineData("\"text\"", "not an EventBridge event: the body is not a JSON object")]
    [InlineData("""{"Records":[]}""", "not an EventBridge event: it lacks id, source, detail-type, detail")]
    [InlineData("""{"id":"e1","source":"fraud.service","detail-type":"Fraud.Not.Detected"}""", "it lacks detail")]
    [InlineData("""{"id":"e1","source":"fraud.service","detail-type":"Fraud.Not.Detected","detail":"{}"}""", "'detail' is not a JSON object")]
    [InlineData("""{"id":7,"source":"fraud.service","detail-type":"Fraud.Not.Detected","detail":{}}""", "'id' is not a string")]
    [InlineData("""{"id":"","source":"fraud.service","detail-type":"Fraud.Not.Detected","detail":{}}""", "its id must be 1 to 128 visible ASCII characters")]
    [InlineData("""{"id":"a\"b","source":"fraud.service","detail-type":"Fraud.Not.Detected","detail":{}}""", "its id must be 1 to 128 visible ASCII characters, without quotes or backslashes")]
    public void A_body_that_is_not_an_event_is_bad_input(string body, string reason)
    {
        Action parse = () => EventEnvelope.Parse(Encoding.UTF8.GetBytes(body));

        parse.Should().Throw<BadInputException>().Which.Reason.Should().Contain(reason);
    }
}
