using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.SharedLibrary;

public class JsonLogTests
{
    private static readonly Dictionary<string, string?> LambdaEnvironment = new()
    {
        ["AWS_LAMBDA_FUNCTION_NAME"] = "stamp-processor",
        ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
        ["_X_AMZN_TRACE_ID"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    };

    [Fact]
    public void Each_entry_is_one_JSON_line_with_the_standard_fields_and_the_given_ones()
    {
        var log = new TestLog(LambdaEnvironment);

        log.Log.Info("object stamped", ("bucket", "uploads"), ("key", "incoming/café.txt"), ("size", 42L));

        log.Text.Should().EndWith("\n").And.Subject.Count(c => c == '\n').Should().Be(1);
        JsonElement line = log.Lines.Should().ContainSingle().Subject;
        line.GetProperty("timestamp").GetString().Should().Be("2025-03-14T15:09:26.535Z");
        line.GetProperty("level").GetString().Should().Be("INFO");
        line.GetProperty("message").GetString().Should().Be("object stamped");
        line.GetProperty("functionName").GetString().Should().Be("stamp-processor");
        line.GetProperty("functionVersion").GetString().Should().Be("$LATEST");
        line.GetProperty("traceId").GetString().Should().Be("1-5759e988-bd862e3fe1be46a994272793");
        line.GetProperty("bucket").GetString().Should().Be("uploads");
        line.GetProperty("key").GetString().Should().Be("incoming/café.txt");
        line.GetProperty("size").GetInt64().Should().Be(42);
        line.EnumerateObject().Select(p => p.Name).Should().Equal(
            "timestamp", "level", "message", "functionName", "functionVersion", "traceId", "bucket", "key", "size");
    }

    [Fact]
    public void Lambda_fields_are_left_out_when_not_running_in_Lambda()
    {
        var log = new TestLog();

        log.Log.Warn("careful");

        log.Lines.Single().EnumerateObject().Select(p => p.Name).Should().Equal("timestamp", "level", "message");
    }

    [Fact]
    public void Null_field_values_are_written_as_JSON_null()
    {
        var log = new TestLog();

        log.Log.Info("no version", ("versionId", (string?)null));

        log.Lines.Single().GetProperty("versionId").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Exceptions_are_reduced_to_type_and_message_without_stack_trace()
    {
        var log = new TestLog();
        Exception error;
        try
        {
            throw new InvalidOperationException("queue unavailable", new IOException("socket closed"));
        }
        catch (InvalidOperationException e)
        {
            error = e;
        }

        log.Log.Error("failed", error, ("messageId", "m-1"));

        JsonElement line = log.Lines.Single();
        line.GetProperty("level").GetString().Should().Be("ERROR");
        line.GetProperty("errorType").GetString().Should().Be("System.InvalidOperationException");
        line.GetProperty("errorMessage").GetString().Should().Be("queue unavailable");
        log.Text.Should().NotContain("socket closed").And.NotContain(nameof(Exceptions_are_reduced_to_type_and_message_without_stack_trace));
    }

    [Fact]
    public void AWS_service_errors_add_their_code_and_status()
    {
        var log = new TestLog();

        log.Log.Warn("throttled", new AmazonS3Exception("Please reduce your request rate.", ErrorType.Sender, "SlowDown", "req-1", HttpStatusCode.ServiceUnavailable));

        JsonElement line = log.Lines.Single();
        line.GetProperty("errorCode").GetString().Should().Be("SlowDown");
        line.GetProperty("statusCode").GetInt32().Should().Be(503);
    }

    [Theory]
    [InlineData(null, "INFO")]
    [InlineData("", "INFO")]
    [InlineData("debug", "DEBUG")]
    [InlineData("Debug", "DEBUG")]
    [InlineData("TRACE", "DEBUG")]
    [InlineData("WARN", "WARN")]
    [InlineData("error", "ERROR")]
    [InlineData("FATAL", "ERROR")]
    public void Minimum_level_comes_from_LOG_LEVEL(string? configured, string expectedMinimum)
    {
        var log = new TestLog(new Dictionary<string, string?> { ["LOG_LEVEL"] = configured });

        log.Log.Debug("d");
        log.Log.Info("i");
        log.Log.Warn("w");
        log.Log.Error("e");

        string[] levels = ["DEBUG", "INFO", "WARN", "ERROR"];
        log.Lines.Select(l => l.GetProperty("level").GetString()).Should().Equal(levels.SkipWhile(l => l != expectedMinimum));
    }

    [Fact]
    public void An_invalid_LOG_LEVEL_falls_back_to_Info_and_says_so()
    {
        var log = new TestLog(new Dictionary<string, string?> { ["LOG_LEVEL"] = "Info,Warn" });

        log.Log.Debug("hidden");
        log.Log.Info("shown");

        log.Log.MinimumLevel.Should().Be(LogLevel.Info);
        log.Messages("WARN").Should().ContainSingle().Which.Should().Contain("LOG_LEVEL");
        log.Lines.Select(l => l.GetProperty("message").GetString()).Should().NotContain("hidden").And.Contain("shown");
    }

    [Fact]
    public void With_adds_correlation_fields_to_every_line_of_the_derived_log()
    {
        var log = new TestLog();
        JsonLog messageLog = log.Log.With(("messageId", "m-1"));

        messageLog.With(("key", "k")).Info("inner");
        messageLog.Info("outer");
        log.Log.Info("root");

        IReadOnlyList<JsonElement> lines = log.Lines;
        lines[0].GetProperty("messageId").GetString().Should().Be("m-1");
        lines[0].GetProperty("key").GetString().Should().Be("k");
        lines[1].GetProperty("messageId").GetString().Should().Be("m-1");
        lines[1].TryGetProperty("key", out _).Should().BeFalse();
        lines[2].TryGetProperty("messageId", out _).Should().BeFalse();
    }

    [Fact]
    public void Concurrent_writers_never_interleave_lines()
    {
        var log = new TestLog();

        Parallel.For(0, 200, i => log.Log.Info("parallel", ("i", i)));

        log.Lines.Select(l => l.GetProperty("i").GetInt32()).Should().BeEquivalentTo(Enumerable.Range(0, 200));
    }
}
