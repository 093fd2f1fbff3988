using System.Net;
using Patterns.Cdk.Uploads.Cli;
using Patterns.Cdk.Uploads.Client.Tests.Fakes;
using Spectre.Console;

namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class CliTests : IDisposable
{
    private readonly UploadFixture _fixture = new();
    private readonly StringWriter _output = new();
    private readonly IAnsiConsole _console;
    private UploadClientOptions? _optionsSeen;

    public CliTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_output),
        });
        _console.Profile.Width = 200;
    }

    public void Dispose()
    {
        _fixture.Dispose();
        _output.Dispose();
    }

    private Task<int> Run(Func<string, string?>? environment = null, params string[] args) =>
        UploadCommand.RunAsync(args, _console, options =>
        {
            _optionsSeen = options;
            return _fixture.ClientFor(options);
        }, environment ?? (_ => null));

    [Fact]
    public async Task An_upload_exits_0_and_prints_the_key()
    {
        string path = _fixture.File(1234, ".png");

        int exit = await Run(null, path, "--api", FakeUploadService.PrivateDnsUrl.ToString());

        exit.Should().Be(0, _output.ToString());
        FakeUploadService.Session session = _fixture.Fake.Sessions.Values.Single();
        session.State.Should().Be("completed");
        session.ContentType.Should().Be("image/png");
        _output.ToString().Should().Contain("uploaded").And.Contain(session.Key).And.Contain($"upload id {session.Id}");
        _optionsSeen!.Region.Should().Be("eu-west-1", "read from the API host name");
        _optionsSeen.MaxParallelParts.Should().Be(8);
        _optionsSeen.ApiId.Should().BeNull();
    }

    [Fact]
    public async Task Options_reach_the_client()
    {
        _fixture.Fake.SingleMaxBytes = 100;
        _fixture.Fake.PartSizeFor = _ => 100;
        string path = _fixture.File(1000);

        int exit = await Run(null, path, "--api", FakeUploadService.VpceUrl.ToString(), "--api-id", FakeUploadService.ApiId, "--region", "eu-west-1", "--parallel", "3", "--content-type", "text/csv");

        exit.Should().Be(0, _output.ToString());
        _optionsSeen!.ApiId.Should().Be(FakeUploadService.ApiId);
        _optionsSeen.ApiUrl.Should().Be(FakeUploadService.VpceUrl);
        _optionsSeen.MaxParallelParts.Should().Be(3);
        _fixture.Fake.Sessions.Values.Single().ContentType.Should().Be("text/csv");
        _fixture.Fake.MaxPartsInFlight.Should().BeLessThanOrEqualTo(3);
        _output.ToString().Should().Contain("resume with --resume");
    }

    [Fact]
    public async Task Resume_continues_the_given_upload()
    {
        _fixture.Fake.SingleMaxBytes = 100;
        _fixture.Fake.PartSizeFor = _ => 100;
        string path = _fixture.File(350);
        FakeUploadService.Session session = _fixture.Fake.StartSession(FakeUploadService.Alice, 350);
        session.Parts[1] = File.ReadAllBytes(path)[..100];

        int exit = await Run(null, path, "--api", FakeUploadService.PrivateDnsUrl.ToString(), "--resume", session.Id);

        exit.Should().Be(0, _output.ToString());
        session.State.Should().Be("completed");
        _fixture.Fake.PartPuts(1).Should().Be(0);
    }

    [Fact]
    public async Task The_region_falls_back_to_AWS_REGION_then_AWS_DEFAULT_REGION()
    {
        string path = _fixture.File(1);
        var localApi = "http://127.0.0.1:9/v1/";

        (await Run(name => name == "AWS_DEFAULT_REGION" ? "us-east-2" : null, path, "--api", localApi, "--parallel", "0")).Should().Be(2);
        _output.ToString().Should().Contain("MaxParallelParts");
        _optionsSeen!.Region.Should().Be("us-east-2");
    }

    [Theory]
    [InlineData("--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/")] // no file
    [InlineData("FILE")] // no --api
    [InlineData("FILE", "--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/", "--parallel", "many")]
    [InlineData("FILE", "--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/", "--unknown")]
    [InlineData("FILE", "--api", "not a url")]
    [InlineData("FILE", "--api", "http://127.0.0.1:9/v1/")] // no region anywhere
    [InlineData("/no/such/file.bin", "--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/")]
    [InlineData("FILE", "--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/", "--parallel", "65")]
    [InlineData("FILE", "--api", "https://x.execute-api.eu-west-1.amazonaws.com/v1/", "--api-id", "not/an/id")]
    public async Task Usage_errors_exit_2_and_send_nothing(params string[] args)
    {
        string path = _fixture.File(10);
        string[] resolved = [.. args.Select(a => a == "FILE" ? path : a)];

        int exit = await Run(null, resolved);

        exit.Should().Be(2, _output.ToString());
        _output.ToString().Should().Contain("error");
        _fixture.Fake.Log.Should().BeEmpty();
    }

    [Fact]
    public async Task Help_exits_0()
    {
        (await Run(null, "--help")).Should().Be(0);
        _output.ToString().Should().Contain("--api").And.Contain("--resume").And.Contain("--parallel");
    }

    [Fact]
    public async Task An_API_refusal_exits_1_with_its_code()
    {
        _fixture.Fake.ApiFault = route => route == "POST /uploads" ? FakeUploadService.Error(HttpStatusCode.RequestEntityTooLarge, "TooLarge", "over 5 GiB") : null;
        string path = _fixture.File(10);

        int exit = await Run(null, path, "--api", FakeUploadService.PrivateDnsUrl.ToString());

        exit.Should().Be(1);
        _output.ToString().Should().Contain("413 TooLarge").And.Contain("over 5 GiB");
    }

    [Fact]
    public async Task A_storage_failure_exits_1()
    {
        _fixture.Fake.PartFault = (_, _) => FakeUploadService.Xml(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied");
        string path = _fixture.File(10);

        int exit = await Run(null, path, "--api", FakeUploadService.PrivateDnsUrl.ToString());

        exit.Should().Be(1);
        _output.ToString().Should().Contain("upload failed").And.Contain("AccessDenied");
        _fixture.Fake.Sessions.Values.Single().State.Should().Be("aborted");
    }

    [Fact]
    public async Task Cancellation_exits_1_after_aborting()
    {
        _fixture.Fake.SingleMaxBytes = 100;
        _fixture.Fake.PartSizeFor = _ => 100;
        _fixture.Fake.PartDelay = TimeSpan.FromMilliseconds(5);
        using var cancel = new CancellationTokenSource();
        _fixture.Fake.OnPartStored = _ => cancel.Cancel();
        string path = _fixture.File(5000);

        int exit = await UploadCommand.RunAsync([path, "--api", FakeUploadService.PrivateDnsUrl.ToString()], _console, _fixture.ClientFor, _ => null, cancel.Token);

        exit.Should().Be(1);
        _output.ToString().Should().Contain("cancelled");
        _fixture.Fake.Sessions.Values.Single().State.Should().Be("aborted");
    }

    [Theory]
    [InlineData("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/", "eu-west-1")]
    [InlineData("https://vpce-0abc-wxyz.execute-api.ap-southeast-2.vpce.amazonaws.com/v1/", "ap-southeast-2")]
    [InlineData("https://a1b2c3d4e5-vpce-0abc.execute-api.us-gov-west-1.amazonaws.com/v1/", "us-gov-west-1")]
    [InlineData("http://127.0.0.1:8080/v1/", null)]
    [InlineData("https://uploads.example.com/v1/", null)]
    public void The_region_is_read_from_API_host_names(string url, string? region) =>
        UploadCommand.RegionOf(new Uri(url)).Should().Be(region);
}
