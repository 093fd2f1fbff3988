using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.Testing;
using Xunit;
using Xunit.Sdk;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// The real binary answers the real protocol: every shipped arm64 <c>bootstrap</c>, taken from the zips embedded in
/// Patterns.Cdk.dll, runs under <c>qemu-aarch64-static</c> against a fake Lambda Runtime API and fake AWS endpoints on
/// 127.0.0.1 (<see cref="BootstrapRuns"/>). For every bundled handler: in one process, an invocation that succeeds
/// (its <c>/response</c> and the AWS calls it made are checked) and one that fails with a handler error (<c>/error</c>
/// with its <c>errorType</c>; no frames for expected bad input, frames for any other exception), after which the loop
/// asks for the next invocation; in another process, a missing or invalid setting (<c>/init/error</c>, exit code 1).
/// FaceBlurWorker takes its real path, SkiaSharp included. Without qemu these tests fail, telling how to install it
/// (tools/ci/aot-toolchain.sh).
/// </summary>
public sealed class BootstrapProtocolTests(BootstrapRuns runs) : IClassFixture<BootstrapRuns>
{
    public static TheoryData<string> Handlers()
    {
        var data = new TheoryData<string>();
        foreach (BundledHandler handler in BundledHandlers.All)
        {
            data.Add(handler.Handler);
        }

        return data;
    }

    [Fact]
    public void Every_bundled_handler_has_a_protocol_scenario() =>
        BootstrapScenario.All.Keys.Should().BeEquivalentTo(BundledHandlers.All.Select(h => h.Handler),
            "each bundled handler's bootstrap is run under qemu (add a scenario to BootstrapScenarios.cs for a new one)");

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task One_invocation_succeeds_and_one_fails_with_a_handler_error_in_one_process(string handler)
    {
        BootstrapScenario scenario = BootstrapScenario.All[handler];
        ProtocolRun run = await runs.Protocol(handler);

        WithOutput(run.Output, () =>
        {
            run.Success.Kind.Should().Be(RuntimeApiCallKind.Response, $"the first invocation succeeds: {run.Success}");
            scenario.AssertSuccess(run.Success, run.Aws);

            run.Failure.Kind.Should().Be(RuntimeApiCallKind.Error, $"the second invocation fails: {run.Failure}");
            run.Failure.ErrorTypeHeader.Should().Be(scenario.FailureType);
            run.Failure.ErrorType.Should().Be(scenario.FailureType);
            run.Failure.ErrorMessage.Should().Match(scenario.FailureMessage);
            int frames = run.Failure.Json().GetProperty("stackTrace").GetArrayLength();
            if (scenario.FailsWithExpectedBadInput)
            {
                frames.Should().Be(0, "expected bad input is reported without frames: its message says what is wrong (IExpectedBadInput)");
            }
            else
            {
                frames.Should().BePositive("an unexpected exception keeps its frames: the Native AOT build keeps stack trace data");
            }

            run.Calls.Count(c => c.Kind == RuntimeApiCallKind.Next).Should().Be(3, "after the handler error the loop asks for the next invocation");
            run.ExitCode.Should().Be(2, "the Runtime API answering /next with an error means the sandbox is gone");
        });
    }

    [Fact]
    public void The_failure_scenarios_cover_expected_bad_input_and_unexpected_exceptions()
    {
        BootstrapScenario.All.Values.Should().Contain(s => s.FailsWithExpectedBadInput, "the frames left out of bad input's /error are checked on a real bootstrap");
        BootstrapScenario.All.Values.Should().Contain(s => !s.FailsWithExpectedBadInput, "the frames kept for an unexpected exception are checked on a real bootstrap");
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_missing_or_invalid_setting_is_an_init_error_and_exit_code_1(string handler)
    {
        BootstrapScenario scenario = BootstrapScenario.All[handler];
        InitRun run = await runs.Init(handler);

        WithOutput(run.Output, () =>
        {
            run.InitError.ErrorTypeHeader.Should().Be("InvalidOperationException");
            run.InitError.ErrorType.Should().Be("InvalidOperationException");
            run.InitError.ErrorMessage.Should().Match(scenario.InitMessage);
            run.Calls.Should().NotContain(c => c.Kind == RuntimeApiCallKind.Next, "an environment whose init failed takes no invocation");
            run.ExitCode.Should().Be(1);
        });
    }

    [Fact]
    public async Task The_face_blur_worker_loads_SkiaSharp_beside_its_bootstrap_and_pixelates_the_face()
    {
        ProtocolRun run = await runs.Protocol(BundledHandlers.FaceBlurWorker.Handler);

        WithOutput(run.Output, () =>
        {
            run.Output.Should().Contain("image blurred and delivered").And.Contain("\"facesBlurred\":1");
            FaceImage.AssertFaceIsPixelated(run.Aws.GetObject("blurred", "face.png")!);
        });
    }

    private static void WithOutput(string output, Action assertions)
    {
        try
        {
            assertions();
        }
        catch (XunitException e)
        {
            throw new XunitException($"{e.Message}{Environment.NewLine}--- bootstrap output ---{Environment.NewLine}{output}");
        }
    }
}
