namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>Paths inside the repository, found from the test binaries.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Patterns.Cdk.sln")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar))
                ?? throw new InvalidOperationException($"Patterns.Cdk.sln not found in any folder above {AppContext.BaseDirectory}.");
        }

        return dir;
    });

    /// <summary>The folder holding Patterns.Cdk.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>tools/emulators/start.mjs.</summary>
    public static string EmulatorLauncher => Path.Combine(Root, "tools", "emulators", "start.mjs");

    /// <summary>Where generated documentation tables are written: artifacts/integration.</summary>
    public static string IntegrationArtifacts => Path.Combine(Root, "artifacts", "integration");
}
