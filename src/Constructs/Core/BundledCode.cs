using System.Collections.Concurrent;
using System.Security.Cryptography;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;

namespace Patterns.Cdk.Core;

/// <summary>
/// Turns an embedded handler zip into Lambda <see cref="Code"/>. Each zip is extracted once per machine into a
/// folder named by its SHA-256, so the asset path and the asset hash depend only on the zip's bytes.
/// </summary>
internal static class BundledCode
{
    private const string ResourcePrefix = "Patterns.Cdk.Handlers.";
    private static readonly ConcurrentDictionary<string, (string Path, string Sha256)> Extracted = new();

    /// <summary>Lambda code for the zip that holds <paramref name="handler"/>.</summary>
    public static Code For(BundledHandler handler)
    {
        var (path, sha) = Extract(handler.ZipName);
        return Code.FromAsset(path, new Amazon.CDK.AWS.S3.Assets.AssetOptions
        {
            AssetHash = sha,
            AssetHashType = AssetHashType.CUSTOM,
        });
    }

    /// <summary>Extracts the embedded zip (once) and returns its path on disk and its SHA-256.</summary>
    public static (string Path, string Sha256) Extract(string zipName) =>
        Extracted.GetOrAdd(zipName, static name =>
        {
            var bytes = ReadEmbedded(name);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var folder = Path.Combine(Path.GetTempPath(), "patterns-cdk-handlers", sha);
            var path = Path.Combine(folder, name);
            if (!File.Exists(path) || new FileInfo(path).Length != bytes.Length)
            {
                Directory.CreateDirectory(folder);
                var temp = Path.Combine(folder, $".{name}.{System.Environment.ProcessId}.tmp");
                File.WriteAllBytes(temp, bytes);
                File.Move(temp, path, overwrite: true);
            }

            return (path, sha);
        });

    /// <summary>The raw bytes of an embedded handler zip.</summary>
    public static byte[] ReadEmbedded(string zipName)
    {
        using var stream = typeof(BundledCode).Assembly.GetManifestResourceStream(ResourcePrefix + zipName)
            ?? throw new InvalidOperationException(
                $"The handler bundle '{zipName}' is not embedded in {typeof(BundledCode).Assembly.GetName().Name}. " +
                "Rebuild src/Constructs: its build publishes the handlers and embeds their zips.");
        using var buffer = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
