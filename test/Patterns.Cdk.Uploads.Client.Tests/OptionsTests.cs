namespace Patterns.Cdk.Uploads.Client.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Every_bad_option_is_named_in_one_message()
    {
        var options = new UploadClientOptions
        {
            ApiUrl = new Uri("ftp://example.com/v1/"),
            Region = " ",
            ApiId = "a/b",
            MaxParallelParts = 0,
            MaxAttemptsPerPart = 0,
            PartUrlBatchSize = 1001,
            RequestTimeout = TimeSpan.Zero,
        };

        Action create = () => _ = new UploadClient(options);

        create.Should().Throw<ArgumentException>()
            .WithMessage("*ApiUrl*Region*ApiId*MaxParallelParts*MaxAttemptsPerPart*PartUrlBatchSize*RequestTimeout*");
    }

    [Fact]
    public void Defaults_match_the_design()
    {
        var options = new UploadClientOptions { ApiUrl = new Uri("https://x.execute-api.eu-west-1.amazonaws.com/v1/"), Region = "eu-west-1" };

        options.MaxParallelParts.Should().Be(8);
        options.MaxAttemptsPerPart.Should().Be(5);
        options.PartUrlBatchSize.Should().Be(64);
        options.AbortOnFailure.Should().BeTrue();
        options.ApiId.Should().BeNull();
        new UploadRequest().SendSha256.Should().BeTrue();
    }

    [Fact]
    public async Task A_stream_upload_needs_a_file_name_and_a_forward_only_stream_needs_a_size()
    {
        using var client = new UploadClient(new UploadClientOptions { ApiUrl = new Uri("https://x.execute-api.eu-west-1.amazonaws.com/v1/"), Region = "eu-west-1" });
        using var stream = new Fakes.ForwardOnlyStream(new MemoryStream(new byte[3]));

        await ((Func<Task>)(() => client.UploadAsync(stream, new UploadRequest()))).Should().ThrowAsync<ArgumentException>().WithMessage("*FileName*");
        await ((Func<Task>)(() => client.UploadAsync(stream, new UploadRequest { FileName = "a" }))).Should().ThrowAsync<ArgumentException>().WithMessage("*Size*");
    }
}
