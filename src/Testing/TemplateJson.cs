using Amazon.CDK;

namespace Patterns.Cdk.Testing;

/// <summary>The synthesized template of a stack, as the JSON text the cloud assembly holds.</summary>
internal static class TemplateJson
{
    /// <summary>
    /// Synthesizes the stack's stage again (as <c>Template.FromStack</c> does, so later changes to the stack are
    /// seen) and reads the template file: the numbers and strings exactly as the CDK wrote them.
    /// </summary>
    public static string Of(Stack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var stage = Stage.Of(stack) ?? throw new ArgumentException("The stack is not part of an App or Stage; create it in CdkTestApp.Create().", nameof(stack));
        var assembly = stage.Synth(new StageSynthesisOptions { Force = true });
        // TemplateFile is relative to the stage's assembly for top-level and nested stacks alike.
        return File.ReadAllText(Path.Combine(assembly.Directory, stack.TemplateFile));
    }
}
