using System.IO.Compression;
using System.Reflection;
using System.Reflection.PortableExecutable;
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Every function in every synthesized template points at a handler that really exists in the zip that ships
/// inside this package: assembly, type, public Stream -> Task&lt;Stream&gt; method, net10.0 runtime config, arm64 ReadyToRun code.
/// </summary>
public class BundledHandlerZipTests
{
    public static TheoryData<string> Handlers()
    {
        var data = new TheoryData<string>();
        foreach (var h in BundledHandlers.All)
        {
            data.Add(h.Handler);
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
        foreach (var stack in stacks)
        {
            var template = JsonNode.Parse(TestApp.Json(stack))!;
            foreach (var (_, resource) in template["Resources"]!.AsObject())
            {
                if ((string?)resource!["Type"] != "AWS::Lambda::Function" || (string?)resource["Properties"]!["Runtime"] != "dotnet10")
                {
                    continue;
                }

                var handler = (string)resource["Properties"]!["Handler"]!;
                BundledHandlers.All.Select(h => h.Handler).Should().Contain(handler);
                resource["Properties"]!["Code"]!["S3Key"]!.GetValue<string>().Should().EndWith(".zip");
                seen.Add(handler);
            }
        }

        seen.Should().BeEquivalentTo(BundledHandlers.All.Select(h => h.Handler), "every bundled handler is used by some construct");
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public void The_zip_contains_the_entry_point_with_the_stream_signature(string handlerString)
    {
        var handler = BundledHandlers.All.Single(h => h.Handler == handlerString);
        var folder = ExtractToTemp(handler.ZipName);
        var assemblyPath = Path.Combine(folder, handler.Assembly + ".dll");
        File.Exists(assemblyPath).Should().BeTrue($"{handler.ZipName} must contain {handler.Assembly}.dll at its root");

        // The image is ReadyToRun for linux-arm64, which this (x64) test host cannot load; read its metadata instead.
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        var lastDot = handler.Type.LastIndexOf('.');
        var (ns, name) = (handler.Type[..lastDot], handler.Type[(lastDot + 1)..]);
        var type = metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Where(t => metadata.GetString(t.Namespace) == ns && metadata.GetString(t.Name) == name)
            .ToList();
        type.Should().ContainSingle($"type {handler.Type} must exist");
        (type[0].Attributes & TypeAttributes.VisibilityMask).Should().Be(TypeAttributes.Public);

        var methods = type[0].GetMethods().Select(metadata.GetMethodDefinition).ToList();
        methods.Should().Contain(m => metadata.GetString(m.Name) == ".ctor"
            && (m.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public
            && m.DecodeSignature(SignatureNames.Instance, null).ParameterTypes.Length == 0,
            "Lambda creates the handler with a public parameterless constructor");
        var entry = methods.Where(m => metadata.GetString(m.Name) == handler.Method
            && (m.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public
            && (m.Attributes & MethodAttributes.Static) == 0).ToList();
        entry.Should().ContainSingle($"{handler.Method} must be a public instance method");
        var signature = entry[0].DecodeSignature(SignatureNames.Instance, null);
        signature.ParameterTypes.Should().Equal("System.IO.Stream");
        signature.ReturnType.Should().Be("System.Threading.Tasks.Task`1<System.IO.Stream>");
    }

    [Theory]
    [InlineData("recursion-safe-s3-processor.zip")]
    [InlineData("face-blur-pipeline.zip")]
    public void The_zip_targets_net10_on_arm64_with_ready_to_run_code_and_is_deterministic(string zipName)
    {
        var bytes = BundledCode.ReadEmbedded(zipName);
        using var zip = new ZipArchive(new MemoryStream(bytes));
        zip.Entries.Select(e => e.FullName).Should().BeInAscendingOrder(StringComparer.Ordinal);
        zip.Entries.Should().OnlyContain(e => e.LastWriteTime == new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        zip.Entries.Should().OnlyContain(e => ((uint)e.ExternalAttributes >> 16) == 0x81A4u);
        zip.Entries.Should().NotContain(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));

        var runtimeConfig = zip.Entries.Single(e => e.FullName.EndsWith(".runtimeconfig.json", StringComparison.Ordinal));
        using (var reader = new StreamReader(runtimeConfig.Open()))
        {
            var options = JsonNode.Parse(reader.ReadToEnd())!["runtimeOptions"]!;
            ((string)options["tfm"]!).Should().Be("net10.0");
            ((string)options["framework"]!["name"]!).Should().Be("Microsoft.NETCore.App");
        }

        var main = zip.Entries.Single(e => e.FullName == BundledHandlers.All.First(h => h.ZipName == zipName).Assembly + ".dll");
        using var buffer = new MemoryStream();
        using (var s = main.Open())
        {
            s.CopyTo(buffer);
        }

        buffer.Position = 0;
        using var pe = new PEReader(buffer);
        pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size.Should().BeGreaterThan(0, "the handler is ReadyToRun-compiled");
        ((ushort)pe.PEHeaders.CoffHeader.Machine).Should().Be(0xAA64 ^ 0x7B79, "ReadyToRun code for Linux arm64");
    }

    [Fact]
    public void The_face_blur_zip_carries_SkiaSharps_native_library_for_linux_arm64()
    {
        using var zip = new ZipArchive(new MemoryStream(BundledCode.ReadEmbedded("face-blur-pipeline.zip")));
        var native = zip.Entries.Where(e => e.Name == "libSkiaSharp.so").ToList();
        native.Should().ContainSingle("exactly one native Skia build, for the function's architecture");
        using var stream = native[0].Open();
        var header = new byte[20];
        stream.ReadExactly(header);
        header.AsSpan(0, 4).ToArray().Should().Equal(0x7F, (byte)'E', (byte)'L', (byte)'F');
        BitConverter.ToUInt16(header, 18).Should().Be(0xB7, "EM_AARCH64: the function runs on arm64");
    }

    [Fact]
    public void Every_handler_string_fits_Lambdas_128_character_limit() =>
        BundledHandlers.All.Should().OnlyContain(h => h.Handler.Length <= BundledHandler.MaxHandlerLength);

    [Fact]
    public void Extraction_is_keyed_by_content_hash()
    {
        var (path, sha) = BundledCode.Extract("recursion-safe-s3-processor.zip");
        Path.GetFileName(Path.GetDirectoryName(path)).Should().Be(sha);
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))).Should().Be(sha);
    }

    private static string ExtractToTemp(string zipName)
    {
        var folder = Path.Combine(Path.GetTempPath(), "patterns-cdk-zip-tests", Guid.NewGuid().ToString("N"));
        ZipFile.ExtractToDirectory(BundledCode.Extract(zipName).Path, folder);
        return folder;
    }
}

/// <summary>Renders metadata signature types as full names (enough to compare a handler's signature).</summary>
internal sealed class SignatureNames : ISignatureTypeProvider<string, object?>
{
    public static readonly SignatureNames Instance = new();

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        var t = reader.GetTypeDefinition(handle);
        return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
    }

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
    {
        var t = reader.GetTypeReference(handle);
        return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
    }

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
        genericType + "<" + string.Join(",", typeArguments) + ">";

    public string GetSZArrayType(string elementType) => elementType + "[]";
    public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
    public string GetByReferenceType(string elementType) => elementType + "&";
    public string GetPointerType(string elementType) => elementType + "*";
    public string GetPinnedType(string elementType) => elementType;
    public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
    public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
    public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => "spec";
}
