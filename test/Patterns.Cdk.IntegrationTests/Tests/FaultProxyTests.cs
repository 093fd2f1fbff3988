using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Patterns.Cdk.IntegrationTests.Harness;

namespace Patterns.Cdk.IntegrationTests.Tests;

/// <summary>
/// The fault layer itself (Harness/FaultInjection.cs): each kind in its service's wire shape, read by the real SDK
/// clients as the code AWS would send and classified as retryable / throttling as the SDK classifies AWS's errors;
/// "after" faults applied by the emulator; the exception shapes equal to what SocketsHttpHandler and HttpClient throw;
/// outage windows; the capped back-off that keeps the SDK's retry count; seeds that replay.
/// </summary>
[Collection(UsesEmulators.Name)]
public sealed class FaultProxyTests(EmulatorFixture emulators)
{
    public static TheoryData<string, FaultKind, string, HttpStatusCode> ErrorShapes => new()
    {
        { "S3", FaultKind.Http500, "InternalError", HttpStatusCode.InternalServerError },
        { "S3", FaultKind.Http503, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable },
        { "S3", FaultKind.Outage, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable },
        { "S3", FaultKind.Throttling, "SlowDown", HttpStatusCode.ServiceUnavailable },
        { "SQS", FaultKind.Http500, "InternalFailure", HttpStatusCode.InternalServerError },
        { "SQS", FaultKind.Http503, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable },
        { "SQS", FaultKind.Throttling, "RequestThrottled|ThrottlingException", HttpStatusCode.BadRequest },
        { "DynamoDB", FaultKind.Http500, "InternalServerError", HttpStatusCode.InternalServerError },
        { "DynamoDB", FaultKind.Http503, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable },
        { "DynamoDB", FaultKind.Throttling, "ProvisionedThroughputExceededException|ThrottlingException", HttpStatusCode.BadRequest },
    };

    public static TheoryData<string, FaultKind, FaultPhase> RetriedKinds
    {
        get
        {
            var data = new TheoryData<string, FaultKind, FaultPhase>();
            foreach (string service in new[] { "S3", "SQS", "DynamoDB" })
            {
                foreach (FaultKind kind in new[] { FaultKind.Http500, FaultKind.Http503, FaultKind.Throttling, FaultKind.ConnectionReset, FaultKind.Timeout, FaultKind.Outage })
                {
                    data.Add(service, kind, FaultPhase.Before);
                }

                foreach (FaultKind kind in new[] { FaultKind.Http500, FaultKind.ConnectionReset, FaultKind.Timeout, FaultKind.TruncatedBody })
                {
                    data.Add(service, kind, FaultPhase.After);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ErrorShapes))]
    public async Task Each_error_kind_is_read_by_the_SDK_as_the_service_code_with_the_right_throttling_classification(
        string service, FaultKind kind, string codes, HttpStatusCode status)
    {
        // No retries, so each call shows the one error; 20 calls so both throttling codes of a service come up.
        var injector = new FaultInjector(7, kind == FaultKind.Outage
            ? new FaultPlan { Rate = 0, LatencyRate = 0, Outages = [new FaultOutage(service, 1, 1000)], Applies = (_, _) => true }
            : FaultPlan.Always(kind));
        using Clients clients = Create(injector, maxErrorRetry: 0);
        object client = clients.For(service);
        RetryPolicy policy = SdkRetryTuning.RetryPolicyOf(client);

        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            AmazonServiceException e = (await clients.Invoking(service).Should().ThrowAsync<AmazonServiceException>()).Which;
            e.StatusCode.Should().Be(status);
            codes.Split('|').Should().Contain(e.ErrorCode);
            policy.IsThrottlingError(e).Should().Be(kind == FaultKind.Throttling, "{0} {1} is {2}a throttling error for the SDK", service, e.ErrorCode, kind == FaultKind.Throttling ? "" : "not ");
            seen.Add(e.ErrorCode);
        }

        seen.Should().BeEquivalentTo(codes.Split('|'), "every code of the kind comes up");
        injector.Count(kind, service).Should().Be(20);
        injector.Requests.Should().Be(20);
    }

    [Theory]
    [MemberData(nameof(RetriedKinds))]
    public async Task Each_kind_is_retried_by_the_SDK_and_the_call_then_succeeds(string service, FaultKind kind, FaultPhase phase)
    {
        // Only the first attempt is faulted.
        int faulted = 0;
        FaultPlan plan = kind == FaultKind.Outage
            ? new FaultPlan { Rate = 0, LatencyRate = 0, Outages = [new FaultOutage(service, 1, 1)], Applies = (_, _) => true }
            : FaultPlan.Always(kind, phase) with { Applies = (_, _) => Interlocked.Increment(ref faulted) == 1 };
        var injector = new FaultInjector(11, plan);
        using Clients clients = Create(injector);

        await clients.Invoking(service).Should().NotThrowAsync();

        injector.Requests.Should().Be(2, "the SDK retries a {0} {1} once and the retry goes through", kind, phase);
        InjectedFault fault = injector.Injected.Should().ContainSingle().Subject;
        fault.Should().BeEquivalentTo(new { Service = service, Kind = kind, Phase = phase });
    }

    [Fact]
    public async Task Retry_quotas_spent_on_faults_are_restored_for_the_next_test()
    {
        // Every attempt fails with a 500 (before S3), so each call costs retries until the endpoint's quota is spent and
        // a call gets one attempt only.
        var faults = new FaultInjector(3, new FaultPlan { Rate = 1.0, LatencyRate = 0, AfterShare = 0, Weights = new Dictionary<FaultKind, double> { [FaultKind.Http500] = 1 } });
        using IAmazonS3 s3 = emulators.CreateS3(new FaultyHttpClientFactory(faults, "quota", "S3"));
        async Task<int> AttemptsOfOneCall()
        {
            int start = faults.Injected.Count;
            await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListBucketsAsync());
            return faults.Injected.Count - start;
        }

        try
        {
            (await AttemptsOfOneCall()).Should().Be(3, "standard mode makes 3 attempts");
            int attempts = 3;
            for (int i = 0; i < 300 && attempts > 1; i++)
            {
                attempts = await AttemptsOfOneCall();
            }

            attempts.Should().Be(1, "the endpoint's retry quota is spent");

            SdkRetryTuning.RestoreRetryQuotas();

            (await AttemptsOfOneCall()).Should().Be(3, "with its quota back the client makes its 3 attempts again");
        }
        finally
        {
            SdkRetryTuning.RestoreRetryQuotas();
        }
    }

    [Fact]
    public async Task An_S3_object_body_cut_mid_way_fails_the_reader_as_a_real_early_end_of_body_does()
    {
        string bucket = "faults-" + Guid.NewGuid().ToString("N")[..12];
        await emulators.S3.PutBucketAsync(bucket);
        byte[] content = Encoding.ASCII.GetBytes(new string('x', 4096));
        await emulators.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", InputStream = new MemoryStream(content) });
        var injector = new FaultInjector(3, FaultPlan.Always(FaultKind.TruncatedBody, FaultPhase.After));
        using Clients clients = Create(injector);

        // GetObject hands the body stream to the caller: the SDK has returned before the cut, so the reader sees it.
        using GetObjectResponse response = await clients.S3.GetObjectAsync(bucket, "k");
        response.ContentLength.Should().Be(content.Length);
        var copy = new MemoryStream();
        HttpIOException e = (await FluentActions.Awaiting(() => response.ResponseStream.CopyToAsync(copy)).Should().ThrowAsync<HttpIOException>()).Which;
        e.HttpRequestError.Should().Be(HttpRequestError.ResponseEnded);
        copy.Length.Should().BeLessThan(content.Length);
        await emulators.S3.DeleteObjectAsync(bucket, "k");
        await emulators.S3.DeleteBucketAsync(bucket);
    }

    [Theory]
    [InlineData(FaultPhase.Before, 1)]
    [InlineData(FaultPhase.After, 2)]
    public async Task An_after_fault_is_applied_by_the_emulator_and_a_before_fault_is_not(FaultPhase phase, int stored)
    {
        string queueUrl = (await emulators.Sqs.CreateQueueAsync("faults-" + Guid.NewGuid().ToString("N")[..12])).QueueUrl;
        int faulted = 0;
        var injector = new FaultInjector(5, FaultPlan.Always(FaultKind.Http500, phase) with { Applies = (_, _) => Interlocked.Increment(ref faulted) == 1 });
        using Clients clients = Create(injector);

        await clients.Sqs.SendMessageAsync(queueUrl, "once");

        // The SDK saw a 500 and sent again: after the emulator stored the first, there are two.
        (await emulators.DrainAsync(queueUrl)).Should().HaveCount(stored).And.OnlyContain(m => m.Body == "once");
        await emulators.Sqs.DeleteQueueAsync(queueUrl);
    }

    /// <summary>A loopback server for one request: it reads the request, then <paramref name="answer"/> acts on the socket.</summary>
    private static (int Port, Task Server) OneRequestServer(Func<Socket, Task> answer)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task server = Task.Run(async () =>
        {
            try
            {
                using Socket socket = await listener.AcceptSocketAsync();
                _ = await socket.ReceiveAsync(new byte[4096]);
                await answer(socket);
            }
            finally
            {
                listener.Stop();
            }
        });
        return (((IPEndPoint)listener.LocalEndpoint).Port, server);
    }

    [Fact]
    public async Task A_connection_reset_has_the_shape_SocketsHttpHandler_throws_for_a_real_reset()
    {
        (int port, Task server) = OneRequestServer(socket =>
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST
            socket.Close();
            return Task.CompletedTask;
        });
        using var http = new HttpClient();
        Exception real = (await FluentActions.Awaiting(() => http.GetAsync($"http://127.0.0.1:{port}/")).Should().ThrowAsync<HttpRequestException>()).Which;
        await server;

        HttpRequestException injected = FaultResponses.ConnectionReset();
        Chain(injected).Should().Equal(Chain(real));
        injected.HttpRequestError.Should().Be(((HttpRequestException)real).HttpRequestError);
        ((SocketException)injected.InnerException!.InnerException!).SocketErrorCode.Should().Be(((SocketException)real.InnerException!.InnerException!).SocketErrorCode);
        injected.InnerException.Message.Should().Be(real.InnerException!.Message);
    }

    [Fact]
    public async Task A_cut_body_and_a_timeout_have_the_shapes_SocketsHttpHandler_and_HttpClient_throw()
    {
        (int port, Task server) = OneRequestServer(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/xml\r\n\r\n0123456789"));
            socket.Shutdown(SocketShutdown.Both);
        });
        using var http = new HttpClient();
        using HttpResponseMessage response = await http.GetAsync($"http://127.0.0.1:{port}/", HttpCompletionOption.ResponseHeadersRead);
        Exception realCut = (await FluentActions.Awaiting(async () => await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null)).Should().ThrowAsync<HttpIOException>()).Which;
        await server;
        using HttpContent cut = FaultResponses.Truncated(response.Content.Headers, new byte[100], 10);
        Exception injectedCut = (await FluentActions.Awaiting(async () => await (await cut.ReadAsStreamAsync()).CopyToAsync(Stream.Null)).Should().ThrowAsync<HttpIOException>()).Which;
        Chain(injectedCut).Should().Equal(Chain(realCut));
        ((HttpIOException)injectedCut).HttpRequestError.Should().Be(((HttpIOException)realCut).HttpRequestError);
        injectedCut.Message.Should().Be(realCut.Message);

        using var slow = new HttpClient(new Hang()) { Timeout = TimeSpan.FromMilliseconds(20) };
        Exception realTimeout = (await FluentActions.Awaiting(() => slow.GetAsync("http://127.0.0.1:1/")).Should().ThrowAsync<TaskCanceledException>()).Which;
        Chain(FaultResponses.Timeout()).Should().Equal(Chain(realTimeout));
    }

    [Fact]
    public async Task An_outage_fails_every_call_of_its_service_in_the_window_and_no_other()
    {
        var injector = new FaultInjector(1, new FaultPlan { Rate = 0, LatencyRate = 0, Outages = [new FaultOutage("SQS", 3, 4)], Applies = (_, _) => true });
        using Clients clients = Create(injector, maxErrorRetry: 0);
        var outcomes = new List<bool>();
        for (int i = 0; i < 10; i++)
        {
            try
            {
                await clients.Invoking("SQS")();
                await clients.Invoking("DynamoDB")();
                outcomes.Add(true);
            }
            catch (AmazonServiceException)
            {
                outcomes.Add(false);
            }
        }

        outcomes.Should().Equal(true, true, false, false, false, false, true, true, true, true);
        injector.Count(FaultKind.Outage, "SQS").Should().Be(4);
        injector.Count().Should().Be(4);
    }

    [Fact]
    public async Task Retries_keep_the_SDK_count_with_a_capped_back_off()
    {
        var injector = new FaultInjector(2, new FaultPlan
        {
            Rate = 0,
            LatencyRate = 0,
            Outages = [new FaultOutage("S3", 1, 1000), new FaultOutage("SQS", 1, 1000), new FaultOutage("DynamoDB", 1, 1000)],
            Applies = (_, _) => true,
        });
        using Clients clients = Create(injector);
        var clock = Stopwatch.StartNew();
        foreach (string service in new[] { "S3", "SQS", "DynamoDB" })
        {
            ((StandardRetryPolicy)SdkRetryTuning.RetryPolicyOf(clients.For(service))).MaxBackoffInMilliseconds.Should().Be((int)SdkRetryTuning.TestMaxBackoff.TotalMilliseconds);
            await clients.Invoking(service).Should().ThrowAsync<AmazonServiceException>();
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "14 back-offs of at most 2 ms each");
        injector.RequestsByService.Should().BeEquivalentTo(new Dictionary<string, int> { ["S3"] = 3, ["SQS"] = 3, ["DynamoDB"] = 11 },
            "standard mode: 2 retries for S3 and SQS, 10 for DynamoDB");
    }

    [Fact]
    public async Task Latency_delays_a_request_that_then_goes_through()
    {
        var injector = new FaultInjector(4, FaultPlan.Always(FaultKind.Latency) with { MaxLatency = TimeSpan.FromMilliseconds(30) });
        using Clients clients = Create(injector);
        await clients.Invoking("DynamoDB").Should().NotThrowAsync();
        injector.Requests.Should().Be(1);
        injector.Injected.Should().ContainSingle().Which.Kind.Should().Be(FaultKind.Latency);
    }

    [Fact]
    public void The_same_seed_replays_the_same_faults_and_the_rate_holds()
    {
        var plan = new FaultPlan { Rate = 0.2, LatencyRate = 0.05, Outages = [new FaultOutage("SQS", 100, 10)] };
        List<InjectedFault> Run(int seed)
        {
            var injector = new FaultInjector(seed, plan);
            for (int i = 0; i < 3000; i++)
            {
                string service = (i % 3) switch { 0 => "S3", 1 => "SQS", _ => "DynamoDB" };
                injector.Next(i % 5 == 0 ? "uploader" : "Processor", service, "Action");
            }

            return injector.Injected.ToList();
        }

        List<InjectedFault> first = Run(42);
        Run(42).Should().Equal(first);
        Run(43).Should().NotEqual(first);

        // 2400 eligible requests (the uploader is not faulted); 20% of them fail, give or take.
        first.Should().NotContain(f => f.Caller == "uploader");
        first.Count(f => f.Kind == FaultKind.Outage).Should().Be(10);
        first.Count(f => f.Kind is not FaultKind.Latency and not FaultKind.Outage).Should().BeInRange(400, 560);
        first.Count(f => f.Kind == FaultKind.Latency).Should().BeInRange(80, 160);
        foreach (FaultKind kind in FaultPlan.FailureKinds)
        {
            first.Count(f => f.Kind == kind).Should().BeGreaterThan(40, "every failure kind is drawn");
        }

        first.Where(f => f.Kind is FaultKind.Http500 or FaultKind.ConnectionReset or FaultKind.Timeout).Select(f => f.Phase).Distinct().Should().HaveCount(2);
        first.Where(f => f.Kind is FaultKind.Http503 or FaultKind.Throttling).Should().OnlyContain(f => f.Phase == FaultPhase.Before);
        first.Where(f => f.Kind == FaultKind.TruncatedBody).Should().OnlyContain(f => f.Phase == FaultPhase.After);
    }

    private static List<Type> Chain(Exception? e)
    {
        var types = new List<Type>();
        for (; e is not null; e = e.InnerException)
        {
            types.Add(e.GetType());
        }

        return types;
    }

    private Clients Create(FaultInjector injector, int? maxErrorRetry = null)
    {
        var counter = new RequestCounter();
        var identity = new ClientIdentity("Function", "AWS:AROATEST:function");
        CountingHttpClientFactory Http(string service) => new(() => new CountingHandler(identity, service, counter, null, injector));
        return new Clients(emulators.CreateS3(Http("S3"), maxErrorRetry), emulators.CreateSqs(Http("SQS"), maxErrorRetry), emulators.CreateDynamoDb(Http("DynamoDB"), maxErrorRetry));
    }

    /// <summary>Clients through one fault layer, and one cheap read call per service (which has a body to cut).</summary>
    private sealed record Clients(IAmazonS3 S3, IAmazonSQS Sqs, IAmazonDynamoDB DynamoDb) : IDisposable
    {
        public object For(string service) => service switch { "S3" => S3, "SQS" => Sqs, _ => DynamoDb };

        public Func<Task> Invoking(string service) => service switch
        {
            "S3" => () => S3.ListBucketsAsync(),
            "SQS" => () => Sqs.ListQueuesAsync(new ListQueuesRequest()),
            _ => () => DynamoDb.ListTablesAsync(new ListTablesRequest()),
        };

        public void Dispose()
        {
            S3.Dispose();
            Sqs.Dispose();
            DynamoDb.Dispose();
        }
    }

    private sealed class Hang : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
