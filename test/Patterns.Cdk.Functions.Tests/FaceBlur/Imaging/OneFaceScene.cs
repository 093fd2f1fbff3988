using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

/// <summary>
/// The scene the blur tests share: an upright 240 x 160 picture (a whole number of 16 px MCUs both ways) with one
/// textured face at 60..120 x 40..100 (ratios 0.25, 0.25, 0.25, 0.375) and a textured decoy far from it. With the
/// default margin (a quarter of the face on each side: 15 px) the face's grown box is 45..135 x 25..115.
/// </summary>
internal static class OneFaceScene
{
    public const int W = 240, H = 160;
    public static readonly FaceBox Face = new(0.25, 0.25, 0.25, 0.375);
    public static readonly PixelRect FaceArea = new(60, 40, 60, 60);
    public static readonly PixelRect GrownBox = new(45, 25, 90, 90);

    /// <summary>A second textured area far from the face: it must keep its detail.</summary>
    public static readonly PixelRect Decoy = new(170, 100, 50, 40);

    /// <summary>A new upright bitmap of the scene (the caller disposes it).</summary>
    public static SKBitmap Create() => TestImages.Scene(W, H, [FaceArea, Decoy]);
}
