using System.Text.Json;
using Patterns.Cdk.Functions.MwaaScheduler;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Shared.RuntimeSupportStandIn;

namespace Patterns.Cdk.Functions.Tests.RuntimeSupportStandIn;

/// <summary>
/// The <c>/error</c> body: expected bad input (<see cref="IExpectedBadInput"/>) carries its type and message and no
/// frames; any other exception keeps its frames. The real AOT executables are checked the same way under qemu in
/// test/Patterns.Cdk.Tests/Bootstraps.
/// </summary>
public sealed class ErrorReportTests
{
    public static TheoryData<Exception, string> ExpectedBadInput => new()
    {
        { Thrown(() => throw new BadInputException("the job id 'x' is not a job id")), "BadInputException" },
        { Thrown(() => throw new BadInputException("the event is not JSON", new JsonException("inner"))), "BadInputException" },
        { Thrown(() => throw new BadInput("ttlSeconds must be between 1 and 43200")), "BadInput" },
    };

    public static TheoryData<Exception, string> Unexpected => new()
    {
        { Thrown(() => throw new InvalidOperationException("the table is gone")), "InvalidOperationException" },
        { Thrown(() => throw new BackupVerificationFailed("manifest.json is missing")), "BackupVerificationFailed" },
        { Thrown(() => throw new DagNotFound("Airflow answered 404")), "DagNotFound" },
        // Wrapping bad input does not make the outer exception expected.
        { Thrown(() => throw new InvalidOperationException("outer", new BadInputException("inner"))), "InvalidOperationException" },
    };

    [Theory]
    [MemberData(nameof(ExpectedBadInput))]
    public void Expected_bad_input_is_reported_with_its_type_and_message_and_no_frames(Exception error, string errorType)
    {
        error.StackTrace.Should().NotBeNullOrEmpty("the exception was thrown, so it has frames to leave out");

        ErrorReport report = ErrorReport.From(error);

        report.ErrorType.Should().Be(errorType);
        report.ErrorMessage.Should().Be(error.Message);
        report.StackTrace.Should().BeEmpty();
        using JsonDocument json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("stackTrace").GetArrayLength().Should().Be(0);
        json.RootElement.GetProperty("errorMessage").GetString().Should().Be(error.Message);
    }

    [Theory]
    [MemberData(nameof(Unexpected))]
    public void Any_other_exception_keeps_its_frames(Exception error, string errorType)
    {
        ErrorReport report = ErrorReport.From(error);

        report.ErrorType.Should().Be(errorType);
        report.StackTrace.Should().NotBeEmpty().And.Contain(f => f.StartsWith("at ", StringComparison.Ordinal) && f.Contains(nameof(Thrown), StringComparison.Ordinal));
        using JsonDocument json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("stackTrace").GetArrayLength().Should().Be(report.StackTrace.Count);
    }

    [Fact]
    public void An_exception_never_thrown_has_no_frames() =>
        ErrorReport.From(new InvalidOperationException("built, not thrown")).StackTrace.Should().BeEmpty();

    [Fact]
    public void Both_bad_input_types_carry_the_marker_with_their_message_as_reason()
    {
        new BadInputException("shared reason").Should().BeAssignableTo<IExpectedBadInput>().Which.Reason.Should().Be("shared reason");
        new BadInput("mwaa reason").Should().BeAssignableTo<IExpectedBadInput>().Which.Reason.Should().Be("mwaa reason");
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new InvalidOperationException("the action did not throw");
    }
}
