using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Amazon.Runtime;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Structured logging: one JSON object per line on stdout, for example
/// <c>{"timestamp":"2025-01-01T12:00:00.000Z","level":"INFO","message":"stamped","functionName":"f","functionVersion":"$LATEST","traceId":"1-...","bucket":"b","key":"k"}</c>.
/// Only the message and explicit <see cref="LogField"/>s are written; an exception is reduced to its type and message
/// (plus the AWS error code and HTTP status). The minimum level comes from <c>LOG_LEVEL</c> (default <c>Info</c>).
/// Thread-safe; the line is built in a reused buffer and written with one call.
/// </summary>
public sealed class JsonLog
{
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText Level = JsonEncodedText.Encode("level");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText FunctionName = JsonEncodedText.Encode("functionName");
    private static readonly JsonEncodedText FunctionVersion = JsonEncodedText.Encode("functionVersion");
    private static readonly JsonEncodedText TraceId = JsonEncodedText.Encode("traceId");
    private static readonly JsonEncodedText ErrorType = JsonEncodedText.Encode("errorType");
    private static readonly JsonEncodedText ErrorMessage = JsonEncodedText.Encode("errorMessage");
    private static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("errorCode");
    private static readonly JsonEncodedText StatusCode = JsonEncodedText.Encode("statusCode");
    private static readonly JsonEncodedText[] LevelNames =
        [JsonEncodedText.Encode("DEBUG"), JsonEncodedText.Encode("INFO"), JsonEncodedText.Encode("WARN"), JsonEncodedText.Encode("ERROR")];

    private readonly Sink _sink;
    private readonly LogField[] _context;

    /// <param name="output">Where lines go (stdout in Lambda).</param>
    /// <param name="environment">Reads <c>LOG_LEVEL</c>, <c>AWS_LAMBDA_FUNCTION_NAME</c>, <c>AWS_LAMBDA_FUNCTION_VERSION</c> and, per line, <c>_X_AMZN_TRACE_ID</c>.</param>
    /// <param name="clock">Source of the timestamps.</param>
    public JsonLog(Stream output, Func<string, string?> environment, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(clock);
        string? configured = environment("LOG_LEVEL");
        LogLevel? level = string.IsNullOrEmpty(configured) ? LogLevel.Info : ParseLevel(configured);
        _sink = new Sink(output, environment, clock, level ?? LogLevel.Info);
        _context = [];
        if (level is null)
        {
            Warn("LOG_LEVEL is not one of Debug, Info, Warn, Error (or Trace, Fatal); using Info", ("logLevel", configured));
        }
    }

    private JsonLog(Sink sink, LogField[] context)
    {
        _sink = sink;
        _context = context;
    }

    /// <summary>A log on the process's stdout, configured from the Lambda environment.</summary>
    public static JsonLog CreateDefault() =>
        new(Console.OpenStandardOutput(), Environment.GetEnvironmentVariable, TimeProvider.System);

    public LogLevel MinimumLevel => _sink.MinimumLevel;

    public bool IsEnabled(LogLevel level) => level >= MinimumLevel;

    /// <summary>A log that adds <paramref name="fields"/> (correlation ids such as a message id) to every line it writes.</summary>
    public JsonLog With(params ReadOnlySpan<LogField> fields) => new(_sink, [.. _context, .. fields]);

    public void Debug(string message, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Debug, message, exception: null, fields);

    public void Info(string message, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Info, message, exception: null, fields);

    public void Warn(string message, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Warn, message, exception: null, fields);

    public void Warn(string message, Exception exception, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Warn, message, exception, fields);

    public void Error(string message, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Error, message, exception: null, fields);

    public void Error(string message, Exception exception, params ReadOnlySpan<LogField> fields) => Write(LogLevel.Error, message, exception, fields);

    public void Write(LogLevel level, string message, Exception? exception, ReadOnlySpan<LogField> fields)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IsEnabled(level))
        {
            _sink.Write(level, message, exception, _context, fields);
        }
    }

    // Also accepts Lambda's TRACE and FATAL, mapped to the nearest level.
    private static LogLevel? ParseLevel(string value) => value.ToUpperInvariant() switch
    {
        "TRACE" or "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Info,
        "WARN" => LogLevel.Warn,
        "ERROR" or "FATAL" => LogLevel.Error,
        _ => null,
    };

    /// <summary>The shared, locked output of a log and of the logs derived from it with <see cref="With"/>.</summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The writer only targets an in-memory buffer; the log lives as long as the process.")]
    private sealed class Sink
    {
        private readonly Stream _output;
        private readonly Func<string, string?> _environment;
        private readonly TimeProvider _clock;
        private readonly string? _functionName;
        private readonly string? _functionVersion;
        private readonly Lock _gate = new();
        private readonly ArrayBufferWriter<byte> _line = new(1024);
        private readonly Utf8JsonWriter _writer;

        public Sink(Stream output, Func<string, string?> environment, TimeProvider clock, LogLevel minimumLevel)
        {
            _output = output;
            _environment = environment;
            _clock = clock;
            MinimumLevel = minimumLevel;
            _functionName = environment("AWS_LAMBDA_FUNCTION_NAME");
            _functionVersion = environment("AWS_LAMBDA_FUNCTION_VERSION");
            _writer = new Utf8JsonWriter(_line, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }

        public LogLevel MinimumLevel { get; }

        public void Write(LogLevel level, string message, Exception? exception, ReadOnlySpan<LogField> context, ReadOnlySpan<LogField> fields)
        {
            string? traceHeader = _environment("_X_AMZN_TRACE_ID");
            lock (_gate)
            {
                _line.ResetWrittenCount();
                _writer.Reset(_line);
                _writer.WriteStartObject();
                _writer.WriteString(Timestamp, _clock.GetUtcNow().UtcDateTime);
                _writer.WriteString(Level, LevelNames[(int)level]);
                _writer.WriteString(Message, message);
                WriteIfPresent(FunctionName, _functionName);
                WriteIfPresent(FunctionVersion, _functionVersion);
                if (traceHeader is not null)
                {
                    _writer.WriteString(TraceId, TraceRoot(traceHeader));
                }

                WriteFields(context);
                WriteFields(fields);
                if (exception is not null)
                {
                    WriteException(exception);
                }

                _writer.WriteEndObject();
                _writer.Flush();
                _line.Write("\n"u8);
                _output.Write(_line.WrittenSpan);
                _output.Flush();
            }
        }

        // "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" -> "1-5759e988-bd862e3fe1be46a994272793"
        private static ReadOnlySpan<char> TraceRoot(string header)
        {
            ReadOnlySpan<char> rest = header;
            while (!rest.IsEmpty)
            {
                int end = rest.IndexOf(';');
                ReadOnlySpan<char> part = end < 0 ? rest : rest[..end];
                if (part.StartsWith("Root="))
                {
                    return part["Root=".Length..];
                }

                rest = end < 0 ? [] : rest[(end + 1)..];
            }

            return header;
        }

        private void WriteIfPresent(JsonEncodedText name, string? value)
        {
            if (value is not null)
            {
                _writer.WriteString(name, value);
            }
        }

        private void WriteFields(ReadOnlySpan<LogField> fields)
        {
            foreach (LogField field in fields)
            {
                if (field.Number is long number)
                {
                    _writer.WriteNumber(field.Name, number);
                }
                else
                {
                    _writer.WriteString(field.Name, field.Text);
                }
            }
        }

        private void WriteException(Exception exception)
        {
            _writer.WriteString(ErrorType, exception.GetType().FullName);
            _writer.WriteString(ErrorMessage, exception.Message);
            if (exception is AmazonServiceException service)
            {
                WriteIfPresent(ErrorCode, service.ErrorCode);
                _writer.WriteNumber(StatusCode, (int)service.StatusCode);
            }
        }
    }
}
