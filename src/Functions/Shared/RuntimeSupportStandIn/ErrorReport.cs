using System.Text.Json;

namespace Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

/// <summary>The body Lambda expects on <c>/error</c> and <c>/init/error</c>: <c>{"errorType","errorMessage","stackTrace"}</c>.</summary>
/// <param name="ErrorType">The exception's type name (or a <c>Runtime.*</c> reason of the loop itself).</param>
/// <param name="ErrorMessage">The exception's message.</param>
/// <param name="StackTrace">One frame a line; empty when there is none, and for expected bad input (<see cref="IExpectedBadInput"/>).</param>
public sealed record ErrorReport(string ErrorType, string ErrorMessage, IReadOnlyList<string> StackTrace)
{
    private static readonly JsonEncodedText ErrorTypeName = JsonEncodedText.Encode("errorType");
    private static readonly JsonEncodedText ErrorMessageName = JsonEncodedText.Encode("errorMessage");
    private static readonly JsonEncodedText StackTraceName = JsonEncodedText.Encode("stackTrace");

    /// <summary>
    /// The report of an exception: its type name, message and stack frames (inner exceptions are in the message of the
    /// outer one, as .NET writes them). Expected bad input (<see cref="IExpectedBadInput"/>: <see cref="BadInputException"/>,
    /// MwaaScheduler's <c>BadInput</c>) is reported without frames, and its <see cref="Exception.StackTrace"/> is never
    /// formatted: the message says what is wrong, and a first stack trace costs about 5 ms in a Native AOT process. Every
    /// other exception keeps its frames.
    /// </summary>
    public static ErrorReport From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string[] frames = exception is not IExpectedBadInput && exception.StackTrace is { } trace
            ? trace.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return new ErrorReport(exception.GetType().Name, exception.Message, frames);
    }

    /// <summary>The JSON body (UTF-8).</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(ErrorTypeName, ErrorType);
            writer.WriteString(ErrorMessageName, ErrorMessage);
            writer.WriteStartArray(StackTraceName);
            foreach (string frame in StackTrace)
            {
                writer.WriteStringValue(frame);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
