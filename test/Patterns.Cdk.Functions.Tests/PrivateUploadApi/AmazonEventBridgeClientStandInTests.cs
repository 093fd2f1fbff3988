using System.Net;
using System.Text.Json;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

/// <summary>The EventBridge stand-in's wire format: awsJson 1.1 <c>AWSEvents.PutEvents</c>, signed for <c>events</c>.</summary>
public sealed class AmazonEventBridgeClientStandInTests : IDisposable
{
    private readonly RecordingHandler _handler = new();

    public void Dispose() => _handler.Dispose();

    internal static AmazonEventBridgeClientStandIn Client(HttpMessageHandler handler, Uri? endpoint = null) =>
        new(
            new AwsStandInTransport(
                new HttpClient(handler, disposeHandler: false),
                TestAws.Basic,
                AmazonEventBridgeClientStandIn.ServiceName,
                TestAws.Region,
                AwsEndpoints.Resolve(AmazonEventBridgeClientStandIn.ServiceName, TestAws.Region, endpoint),
                new FixedClock(FixedClock.DefaultNow)),
            TimeSpan.FromSeconds(5));

    [Fact]
    public async Task PutEvents_posts_the_entries_to_the_regional_endpoint_signed_for_events()
    {
        _handler.Then(HttpStatusCode.OK, """{"FailedEntryCount":0,"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}""");

        PutEventsResponse response = await Client(_handler).PutEventsAsync(new PutEventsRequest
        {
            Entries = [new PutEventsRequestEntry { Source = "s", DetailType = "T", Detail = """{"a":1}""", EventBusName = "bus", Time = FixedClock.DefaultNow }],
        });

        response.FailedEntryCount.Should().Be(0);
        response.Entries![0].EventId.Should().Be("11710aed-b79e-4468-a20b-bb3c0c3b4860");
        SentRequest sent = _handler.Requests.Should().ContainSingle().Subject;
        sent.Method.Should().Be(HttpMethod.Post);
        sent.Uri.Should().Be(new Uri("https://events.eu-west-1.amazonaws.com/"));
        sent.Header("X-Amz-Target").Should().Be("AWSEvents.PutEvents");
        sent.Header("Content-Type").Should().StartWith("application/x-amz-json-1.1");
        sent.Header("Authorization").Should().Contain("/eu-west-1/events/aws4_request");
        using JsonDocument wire = JsonDocument.Parse(sent.Body);
        JsonElement entry = wire.RootElement.GetProperty("Entries")[0];
        entry.GetProperty("Source").GetString().Should().Be("s");
        entry.GetProperty("DetailType").GetString().Should().Be("T");
        entry.GetProperty("Detail").GetString().Should().Be("""{"a":1}""");
        entry.GetProperty("EventBusName").GetString().Should().Be("bus");
        entry.GetProperty("Time").GetDecimal().Should().Be(FixedClock.DefaultNow.ToUnixTimeMilliseconds() / 1000m, "awsJson timestamps are epoch seconds");
        entry.TryGetProperty("Resources", out _).Should().BeFalse();
    }

    [Fact]
    public async Task The_default_bus_and_time_are_left_out_and_the_endpoint_can_be_overridden()
    {
        _handler.Then(HttpStatusCode.OK, """{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}""");

        await Client(_handler, new Uri("http://127.0.0.1:4010/")).PutEventsAsync(new PutEventsRequest
        {
            Entries = [new PutEventsRequestEntry { Source = "s", DetailType = "T", Detail = "{}" }],
        });

        SentRequest sent = _handler.Requests.Single();
        sent.Uri.Should().Be(new Uri("http://127.0.0.1:4010/"));
        using JsonDocument wire = JsonDocument.Parse(sent.Body);
        wire.RootElement.GetProperty("Entries")[0].TryGetProperty("EventBusName", out _).Should().BeFalse();
        wire.RootElement.GetProperty("Entries")[0].TryGetProperty("Time", out _).Should().BeFalse();
    }

    [Fact]
    public async Task A_refused_entry_is_an_answer_as_in_the_sdk()
    {
        _handler.Then(HttpStatusCode.OK, """{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"try again"}]}""");

        PutEventsResponse response = await Client(_handler).PutEventsAsync(new PutEventsRequest
        {
            Entries = [new PutEventsRequestEntry { Source = "s", DetailType = "T", Detail = "{}" }],
        });

        response.FailedEntryCount.Should().Be(1);
        response.Entries![0].ErrorCode.Should().Be("InternalFailure");
    }

    [Theory]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest, true)]
    [InlineData("InternalException", HttpStatusCode.InternalServerError, true)]
    [InlineData("AccessDeniedException", HttpStatusCode.BadRequest, false)]
    [InlineData("ResourceNotFoundException", HttpStatusCode.BadRequest, false)]
    public async Task Call_errors_are_stand_in_exceptions_classified_by_the_transport(string code, HttpStatusCode status, bool transient)
    {
        _handler.ThenError(code, "no", status);

        AwsStandInException error = (await FluentActions.Awaiting(() => Client(_handler).PutEventsAsync(new PutEventsRequest
        {
            Entries = [new PutEventsRequestEntry { Source = "s", DetailType = "T", Detail = "{}" }],
        })).Should().ThrowAsync<AwsStandInException>()).Subject.Single();

        error.ErrorCode.Should().Be(code);
        error.IsTransient.Should().Be(transient);
    }

    [Fact]
    public async Task No_entries_or_more_than_ten_are_refused_before_sending()
    {
        await FluentActions.Awaiting(() => Client(_handler).PutEventsAsync(new PutEventsRequest { Entries = [] })).Should().ThrowAsync<ArgumentException>();
        var eleven = Enumerable.Range(0, 11).Select(_ => new PutEventsRequestEntry { Source = "s", DetailType = "T", Detail = "{}" }).ToList();
        await FluentActions.Awaiting(() => Client(_handler).PutEventsAsync(new PutEventsRequest { Entries = eleven })).Should().ThrowAsync<ArgumentException>();
        _handler.Requests.Should().BeEmpty();
    }
}
