using System.IO.Compression;
using System.Text.Json.Nodes;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Every function in every synthesized template points at a handler that ships inside this package, and every zip holds
/// what Lambda's provided.al2023 runtime on arm64 runs: an ELF aarch64 executable named <c>bootstrap</c> (mode 0755)
/// that needs no newer glibc than Amazon Linux 2023 has, the native libraries it loads beside it, and nothing managed.
/// That each entry really answers the Runtime API is proven under qemu by the bootstrap protocol tests.
/// </summary>
public class BundledHandlerZipTests
{
    private static readonly DateTimeOffset ZipTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Zips()
    {
        var data = new TheoryData<string>();
        foreach (var zip in BundledHandlers.All.Select(h => h.ZipName).Distinct())
        {
            data.Add(zip);
        }

        return data;
    }

    [Fact]
    public void Every_function_in_every_strategy_uses_a_handler_from_the_table()
    {
        var seen = new HashSet<string>();
        var stacks = Enum.GetValues<ProcessingStrategy>().Select(strategy => Synth.Processor(Synth.Minimal(strategy)).Stack).ToList();
        var blurStack = TestApp.NewStack();
        _ = new FaceBlurPipeline.FaceBlurPipeline(blurStack, "Blur");
        stacks.Add(blurStack);
        stacks.Add(ApiPollerSynth.Poller().Stack);
        var demoStack = TestApp.NewStack();
        _ = new ApiPoller.DemoPartnerApi(demoStack, "Partner");
        stacks.Add(demoStack);
        stacks.Add(SettlementSynth.Settlement(new EventDrivenSettlement.EventDrivenSettlementProps { EnableRestApi = true }).Stack);
        stacks.Add(MwaaSynth.Scheduler().Stack);
        stacks.Add(UploadSynth.Uploads().Stack);
        foreach (var stack in stacks)
        {
            var template = JsonNode.Parse(TestApp.Json(stack))!;
            foreach (var (_, resource) in template["Resources"]!.AsObject())
            {
                if ((string?)resource!["Type"] != "AWS::Lambda::Function" || (string?)resource["Properties"]!["Runtime"] != "provided.al2023")
                {
                    continue;
                }

                var handler = (string)resource["Properties"]!["Handler"]!;
                BundledHandlers.All.Select(h => h.Handler).Should().Contain(handler);
                resource["Properties"]!["Architectures"]!.AsArray().Select(a => (string?)a).Should().Equal("arm64");
                resource["Properties"]!["Code"]!["S3Key"]!.GetValue<string>().Should().EndWith(".zip");
                seen.Add(handler);
            }
        }

        seen.Should().BeEquivalentTo(BundledHandlers.All.Select(h => h.Handler), "every bundled handler is used by some construct");
    }

    [Theory]
    [MemberData(nameof(Zips))]
    public void The_zip_is_deterministic_with_an_executable_bootstrap_and_nothing_managed(string zipName)
    {
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded(zipName)));
        zip.Entries.Select(e => e.FullName).Should().BeInAscendingOrder(StringComparer.Ordinal);
        zip.Entries.Should().OnlyContain(e => e.LastWriteTime == ZipTimestamp);
        zip.Entries.Select(e => e.FullName).Should().Contain("bootstrap", "provided.al2023 runs the executable named bootstrap at the root");
        foreach (var entry in zip.Entries)
        {
            var mode = (uint)entry.ExternalAttributes >> 16;
            mode.Should().Be(entry.FullName == "bootstrap" ? 0x81EDu : 0x81A4u,
                $"{entry.FullName}: bootstrap is a regular file with mode 0755, everything else 0644");
        }

        zip.Entries.Should().NotContain(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal) || e.FullName.EndsWith(".dbg", StringComparison.Ordinal),
            "symbols are not shipped");
        zip.Entries.Should().NotContain(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) || e.FullName.EndsWith(".json", StringComparison.Ordinal),
            "a Native AOT bootstrap needs no managed assemblies, runtimeconfig or deps files");
    }

    [Theory]
    [MemberData(nameof(Zips))]
    public void The_bootstrap_is_an_arm64_linux_executable_that_runs_on_amazon_linux_2023(string zipName)
    {
        var elf = Read(zipName, "bootstrap");
        elf.AsSpan(0, 4).ToArray().Should().Equal(0x7F, (byte)'E', (byte)'L', (byte)'F');
        elf[4].Should().Be(2, "ELFCLASS64");
        elf[5].Should().Be(1, "little-endian");
        BitConverter.ToUInt16(elf, 16).Should().BeOneOf([(ushort)2, (ushort)3], "an executable (ET_EXEC, or ET_DYN for a position-independent one)");
        BitConverter.ToUInt16(elf, 18).Should().Be(0xB7, "EM_AARCH64: the function runs on arm64 (Graviton)");

        // The newest glibc symbol version the executable asks for must exist on provided.al2023 (glibc 2.34).
        var versions = GlibcVersions(elf);
        versions.Should().NotBeEmpty("the bootstrap links against glibc dynamically");
        versions.Max().Should().BeLessThanOrEqualTo(new Version(2, 34), "Amazon Linux 2023 ships glibc 2.34");
    }

    [Fact]
    public void The_face_blur_zip_carries_SkiaSharps_native_library_for_linux_arm64_beside_bootstrap()
    {
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded("face-blur-pipeline.zip")));
        var native = zip.Entries.Where(e => e.Name == "libSkiaSharp.so").ToList();
        native.Should().ContainSingle("exactly one native Skia build, for the function's architecture");
        native[0].FullName.Should().Be("libSkiaSharp.so", "the bootstrap loads it from its own directory");
        var header = Read("face-blur-pipeline.zip", "libSkiaSharp.so").AsSpan(0, 20).ToArray();
        header.AsSpan(0, 4).ToArray().Should().Equal(0x7F, (byte)'E', (byte)'L', (byte)'F');
        BitConverter.ToUInt16(header, 18).Should().Be(0xB7, "EM_AARCH64: the function runs on arm64");
    }

    [Fact]
    public void Every_handler_string_fits_Lambdas_128_character_limit() =>
        BundledHandlers.All.Should().OnlyContain(h => h.Handler.Length <= BundledHandler.MaxHandlerLength);

    [Fact]
    public void Handler_strings_are_unique_within_each_zip() =>
        BundledHandlers.All.GroupBy(h => (h.ZipName, h.Handler)).Should().OnlyContain(g => g.Count() == 1);

    [Fact]
    public void Extraction_is_keyed_by_content_hash()
    {
        var (path, sha) = BundledCode.Extract("recursion-safe-s3-processor.zip");
        Path.GetFileName(Path.GetDirectoryName(path)).Should().Be(sha);
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))).Should().Be(sha);
    }

    private static byte[] Read(string zipName, string entryName)
    {
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded(zipName)));
        using var stream = zip.GetEntry(entryName)!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The GLIBC_x.y version names in the executable's dynamic string table (its symbol version needs).</summary>
    private static List<Version> GlibcVersions(byte[] elf)
    {
        var text = System.Text.Encoding.Latin1.GetString(elf);
        return System.Text.RegularExpressions.Regex.Matches(text, @"\0GLIBC_(\d+\.\d+(?:\.\d+)?)\0")
            .Select(m => Version.Parse(m.Groups[1].Value))
            .Distinct()
            .ToList();
    }
}
