using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;
using Patterns.Cdk.Functions.Tests.Handlers;
using Patterns.Cdk.Functions.Tests.Support;
using Patterns.Cdk.Testing;

namespace Patterns.Cdk.Functions.Tests.RuntimeSupportStandIn;

/// <summary>
/// The runtime loop in-process (JIT) against <see cref="FakeLambdaRuntimeApi"/>: init, next, response and error, the
/// exit codes, the published context, the reused payload buffer and cancellation. The loop sets <c>_X_AMZN_TRACE_ID</c>
/// and <see cref="LambdaInvocationContext.Current"/>, which are process-wide, so these tests run in the non-parallel
/// <see cref="ProcessEnvironment"/> collection and restore the variable. The real executables answer the same fake
/// under qemu in test/Patterns.Cdk.Tests/Bootstraps.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class LambdaBootstrapTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeLambdaRuntimeApi _api = new();
    private readonly EnvironmentScope _environment = new();
    private readonly StringWriter _diagnostics = new();
    private readonly CancellationTokenSource _stop = new();

    public LambdaBootstrapTests() => _environment.Set("_X_AMZN_TRACE_ID", null);

    [Fact]
    public async Task A_response_is_posted_with_the_handlers_bytes()
    {
        string id = _api.Enqueue("""{"name":"world"}""");
        Task<int> loop = Run(Echo);

        RuntimeApiCall outcome = await _api.OutcomeAsync(id, Timeout);

        outcome.Kind.Should().Be(RuntimeApiCallKind.Response);
        outcome.Path.Should().Be($"/2018-06-01/runtime/invocation/{id}/response");
        outcome.Text.Should().Be("""echo:{"name":"world"}""");
        (await StopAsync(loop)).Should().Be(0);
    }

    [Fact]
    public async Task A_handler_exception_is_posted_as_an_error_and_the_loop_goes_on()
    {
        string failing = _api.Enqueue("fail");
        string next = _api.Enqueue("ok");
        Task<int> loop = Run(input => Read(input) is var text && text == "fail" ? Throw() : Respond("echo:" + text));

        RuntimeApiCall error = await _api.OutcomeAsync(failing, Timeout);
        RuntimeApiCall response = await _api.OutcomeAsync(next, Timeout);

        error.Kind.Should().Be(RuntimeApiCallKind.Error);
        error.ErrorTypeHeader.Should().Be("InvalidOperationException");
        error.ErrorType.Should().Be("InvalidOperationException");
        error.ErrorMessage.Should().Be("the handler failed");
        error.Json().GetProperty("stackTrace").EnumerateArray().Select(f => f.GetString()).Should()
            .Contain(f => f!.StartsWith("at ", StringComparison.Ordinal) && f.Contains(nameof(Throw), StringComparison.Ordinal));
        error.Headers["Content-Type"].Should().StartWith("application/json");
        response.Kind.Should().Be(RuntimeApiCallKind.Response);
        response.Text.Should().Be("echo:ok");
        (await StopAsync(loop)).Should().Be(0);

        static Task<Stream> Throw() => throw new InvalidOperationException("the handler failed");
    }

    [Fact]
    public async Task A_handler_that_throws_before_returning_a_task_is_an_error_too()
    {
        string id = _api.Enqueue("{}");
        Task<int> loop = Run(_ => throw new ArgumentException("synchronous"));

        RuntimeApiCall error = await _api.OutcomeAsync(id, Timeout);

        error.ErrorType.Should().Be("ArgumentException");
        error.ErrorMessage.Should().Be("synchronous");
        (await StopAsync(loop)).Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_handler_is_an_init_error_that_lists_the_known_ones()
    {
        int exitCode = await Run(Echo, handlerName: "Nope", table: new Dictionary<string, Func<LambdaHandler>>
        {
            ["Zeta"] = () => Echo,
            ["Alpha"] = () => Echo,
        });

        exitCode.Should().Be(LambdaBootstrap.InitErrorExitCode).And.Be(1);
        RuntimeApiCall init = await _api.InitErrorAsync(Timeout);
        init.ErrorTypeHeader.Should().Be("Runtime.NoSuchHandler");
        init.ErrorType.Should().Be("Runtime.NoSuchHandler");
        init.ErrorMessage.Should().Contain("'Nope'").And.Contain("Alpha, Zeta");
        _api.Calls.Should().NotContain(c => c.Kind == RuntimeApiCallKind.Next, "an environment whose init failed takes no invocation");
    }

    [Fact]
    public async Task A_missing_handler_string_is_an_init_error()
    {
        int exitCode = await Run(Echo, handlerName: null);

        exitCode.Should().Be(1);
        (await _api.InitErrorAsync(Timeout)).ErrorMessage.Should().Contain("''").And.Contain(HandlerName);
    }

    [Fact]
    public async Task A_throwing_factory_is_an_init_error_with_the_exception_type_and_message()
    {
        int exitCode = await Run(Echo, table: new Dictionary<string, Func<LambdaHandler>>
        {
            [HandlerName] = () => throw new InvalidOperationException("WORK_QUEUE_URL is required but not set"),
        });

        exitCode.Should().Be(1);
        RuntimeApiCall init = await _api.InitErrorAsync(Timeout);
        init.ErrorTypeHeader.Should().Be("InvalidOperationException");
        init.ErrorType.Should().Be("InvalidOperationException");
        init.ErrorMessage.Should().Be("WORK_QUEUE_URL is required but not set");
        init.Json().GetProperty("stackTrace").GetArrayLength().Should().BePositive();
        _api.Calls.Should().NotContain(c => c.Kind == RuntimeApiCallKind.Next);
    }

    [Fact]
    public async Task A_factory_that_returns_no_entry_point_is_an_init_error()
    {
        int exitCode = await Run(Echo, table: new Dictionary<string, Func<LambdaHandler>> { [HandlerName] = () => null! });

        exitCode.Should().Be(1);
        (await _api.InitErrorAsync(Timeout)).ErrorType.Should().Be("Runtime.InvalidEntrypoint");
    }

    [Fact]
    public async Task Without_AWS_LAMBDA_RUNTIME_API_the_exit_code_is_2()
    {
        int exitCode = await LambdaBootstrap.RunAsync(Table(Echo), name => name == "_HANDLER" ? HandlerName : null, _diagnostics, _stop.Token);

        exitCode.Should().Be(LambdaBootstrap.RuntimeApiUnavailableExitCode).And.Be(2);
        _diagnostics.ToString().Should().Contain("AWS_LAMBDA_RUNTIME_API is not set");
        _api.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unreachable_Runtime_API_is_exit_code_2()
    {
        int exitCode = await LambdaBootstrap.RunAsync(Table(Echo), Environment(ClosedPort(), HandlerName), _diagnostics, _stop.Token);

        exitCode.Should().Be(2);
        _diagnostics.ToString().Should().Contain("went away");
    }

    [Fact]
    public async Task An_unreachable_Runtime_API_during_an_init_error_is_exit_code_2()
    {
        int exitCode = await LambdaBootstrap.RunAsync(Table(Echo), Environment(ClosedPort(), "Nope"), _diagnostics, _stop.Token);

        exitCode.Should().Be(2);
        _diagnostics.ToString().Should().Contain("unreachable during init");
    }

    [Fact]
    public async Task A_Runtime_API_that_answers_next_with_an_error_status_is_exit_code_2()
    {
        string id = _api.Enqueue("one");
        _api.EndWhenDrained = true;

        int exitCode = await Run(Echo);

        exitCode.Should().Be(2);
        (await _api.OutcomeAsync(id, Timeout)).Text.Should().Be("echo:one", "the invocation before it was answered");
        _diagnostics.ToString().Should().Contain("HTTP 500");
    }

    [Fact]
    public async Task A_Runtime_API_that_goes_away_while_the_loop_waits_is_exit_code_2()
    {
        Task<int> loop = Run(Echo);
        await _api.WaitForAsync(c => c.Kind == RuntimeApiCallKind.Next, Timeout);

        _api.Dispose();

        (await loop.WaitAsync(Timeout)).Should().Be(2);
    }

    [Fact]
    public async Task A_Runtime_API_that_drops_the_connection_in_the_middle_of_a_payload_is_exit_code_2()
    {
        _api.Enqueue(new FakeInvocation { Payload = new byte[64 * 1024], TruncateBody = true });

        int exitCode = await Run(Echo).WaitAsync(Timeout);

        exitCode.Should().Be(2, "a broken body is the Runtime API going away, not an unhandled exception");
        _diagnostics.ToString().Should().Contain("went away");
    }

    [Fact]
    public async Task A_response_refused_as_too_large_becomes_a_ResponseSizeTooLarge_error()
    {
        string id = _api.Enqueue(new FakeInvocation { Payload = "big"u8.ToArray(), ResponseStatus = 413 });
        string next = _api.Enqueue("small");
        Task<int> loop = Run(Echo);

        RuntimeApiCall error = await _api.WaitForAsync(c => c.RequestId == id && c.Kind == RuntimeApiCallKind.Error, Timeout);
        RuntimeApiCall following = await _api.OutcomeAsync(next, Timeout);

        error.ErrorTypeHeader.Should().Be("Function.ResponseSizeTooLarge");
        error.ErrorType.Should().Be("Function.ResponseSizeTooLarge");
        _api.Calls.Should().ContainSingle(c => c.RequestId == id && c.Kind == RuntimeApiCallKind.Response);
        following.Text.Should().Be("echo:small");
        (await StopAsync(loop)).Should().Be(0);
    }

    [Fact]
    public async Task The_invocation_context_and_trace_header_are_published_to_the_handler()
    {
        long deadline = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        string traced = _api.Enqueue(new FakeInvocation
        {
            RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            Payload = "{}"u8.ToArray(),
            DeadlineUnixMilliseconds = deadline,
            InvokedFunctionArn = "arn:aws:lambda:eu-west-1:111122223333:function:guard:live",
            TraceId = Trace,
        });
        string untraced = _api.Enqueue("{}");
        var seen = new List<(LambdaInvocationContext? Context, string? TraceVariable)>();
        Task<int> loop = Run(_ =>
        {
            seen.Add((LambdaInvocationContext.Current, System.Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID")));
            return Task.FromResult<Stream>(new MemoryStream());
        });

        await _api.OutcomeAsync(untraced, Timeout);
        (await StopAsync(loop)).Should().Be(0);

        seen.Should().HaveCount(2);
        seen[0].Context.Should().Be(new LambdaInvocationContext(traced, deadline, "arn:aws:lambda:eu-west-1:111122223333:function:guard:live", Trace));
        seen[0].TraceVariable.Should().Be(Trace);
        seen[0].Context!.RemainingTime(TimeProvider.System).Should().BeCloseTo(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        seen[1].Context!.RequestId.Should().Be(untraced);
        seen[1].Context!.TraceId.Should().BeNull();
        seen[1].TraceVariable.Should().BeNull("a trace header is not carried over to the next invocation");
    }

    [Fact]
    public async Task A_payload_larger_than_the_buffer_then_a_smaller_one_are_each_read_exactly()
    {
        byte[] large = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        string first = _api.Enqueue(new FakeInvocation { Payload = large });
        string second = _api.Enqueue("""{"a":1}""");
        Task<int> loop = Run(async input =>
        {
            input.CanWrite.Should().BeFalse("the handler gets the shared buffer read-only");
            using var copy = new MemoryStream();
            await input.CopyToAsync(copy);
            string answer = $"{copy.Length}:{Convert.ToHexString(SHA256.HashData(copy.ToArray()))}";
            await input.DisposeAsync(); // a handler disposing its input does not dispose the shared buffer
            return new MemoryStream(Encoding.UTF8.GetBytes(answer));
        });

        RuntimeApiCall one = await _api.OutcomeAsync(first, Timeout);
        RuntimeApiCall two = await _api.OutcomeAsync(second, Timeout);

        one.Text.Should().Be($"{large.Length}:{Convert.ToHexString(SHA256.HashData(large))}");
        two.Text.Should().Be($"7:{Convert.ToHexString(SHA256.HashData("""{"a":1}"""u8.ToArray()))}", "nothing of the larger payload shows through");
        (await StopAsync(loop)).Should().Be(0);
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_an_invocation_stops_the_loop_with_0()
    {
        Task<int> loop = Run(Echo);
        await _api.WaitForAsync(c => c.Kind == RuntimeApiCallKind.Next, Timeout);

        (await StopAsync(loop)).Should().Be(0);
        _diagnostics.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task A_null_stream_or_a_null_task_is_an_empty_response()
    {
        string nullStream = _api.Enqueue("stream");
        string nullTask = _api.Enqueue("task");
        string streamNull = _api.Enqueue("Stream.Null");
        string after = _api.Enqueue("after");
        Task<int> loop = Run(input => Read(input) switch
        {
            "stream" => Task.FromResult<Stream>(null!),
            "task" => null!,
            "Stream.Null" => Task.FromResult(Stream.Null),
            var text => Respond("echo:" + text),
        });

        foreach (string id in new[] { nullStream, nullTask, streamNull })
        {
            RuntimeApiCall outcome = await _api.OutcomeAsync(id, Timeout);
            outcome.Kind.Should().Be(RuntimeApiCallKind.Response, id);
            outcome.Body.Should().BeEmpty(id);
        }

        (await _api.OutcomeAsync(after, Timeout)).Text.Should().Be("echo:after");
        (await StopAsync(loop)).Should().Be(0);
    }

    [Fact]
    public async Task A_response_stream_that_fails_while_it_is_sent_is_the_handlers_error_not_a_lost_Runtime_API()
    {
        string failing = _api.Enqueue("broken");
        string next = _api.Enqueue("fine");
        Task<int> loop = Run(input => Read(input) is var text && text == "broken" ? Task.FromResult<Stream>(new FailingStream()) : Respond("echo:" + text));

        RuntimeApiCall error = await _api.WaitForAsync(c => c.RequestId == failing && c.Kind == RuntimeApiCallKind.Error, Timeout);
        RuntimeApiCall following = await _api.OutcomeAsync(next, Timeout);

        error.ErrorType.Should().Be("IOException");
        error.ErrorMessage.Should().Be("the output broke");
        following.Text.Should().Be("echo:fine");
        (await StopAsync(loop)).Should().Be(0);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _api.Dispose();
        _environment.Dispose();
        _stop.Dispose();
        _diagnostics.Dispose();
    }

    private const string HandlerName = "Echo";

    private static Task<Stream> Echo(Stream input) => Respond("echo:" + Read(input));

    private static Task<Stream> Respond(string text) => Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static string Read(Stream input)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, leaveOpen: true);
        return reader.ReadToEnd();
    }

    private static Dictionary<string, Func<LambdaHandler>> Table(LambdaHandler handler) => new() { [HandlerName] = () => handler };

    private static Func<string, string?> Environment(string address, string? handlerName) => name => name switch
    {
        "AWS_LAMBDA_RUNTIME_API" => address,
        "_HANDLER" => handlerName,
        _ => null,
    };

    // A loopback port nobody listens on.
    private static string ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return $"127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
    }

    private Task<int> Run(LambdaHandler handler, string? handlerName = HandlerName, IReadOnlyDictionary<string, Func<LambdaHandler>>? table = null) =>
        Task.Run(() => LambdaBootstrap.RunAsync(table ?? Table(handler), Environment(_api.Address, handlerName), TextWriter.Synchronized(_diagnostics), _stop.Token));

    private async Task<int> StopAsync(Task<int> loop)
    {
        await _stop.CancelAsync();
        return await loop.WaitAsync(Timeout);
    }

    /// <summary>A response stream of unknown length that fails on the first read.</summary>
    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("the output broke");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("the output broke"));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
