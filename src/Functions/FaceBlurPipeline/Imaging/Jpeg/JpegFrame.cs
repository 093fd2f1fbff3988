namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// One colour component of a baseline frame and where its 8 x 8 blocks live. Blocks are stored row by row,
/// <see cref="BlocksPerLine"/> to a row, each as 64 coefficients in the zig-zag order they are coded in (the editor
/// never needs them in natural order).
/// </summary>
internal sealed class JpegComponent
{
    public required int Id { get; init; }

    /// <summary>Horizontal sampling factor (1..4).</summary>
    public required int H { get; init; }

    /// <summary>Vertical sampling factor (1..4).</summary>
    public required int V { get; init; }

    public required int DcTable { get; init; }

    public required int AcTable { get; init; }

    /// <summary>Blocks per row in storage: the MCU grid's width in this component's blocks (includes padding blocks).</summary>
    public required int BlocksPerLine { get; init; }

    /// <summary>Block rows in storage (includes padding rows).</summary>
    public required int BlocksPerColumn { get; init; }

    /// <summary>Blocks per row that hold visible samples: ceil(ceil(width x H / Hmax) / 8).</summary>
    public required int VisibleBlocksPerLine { get; init; }

    /// <summary>Block rows that hold visible samples.</summary>
    public required int VisibleBlocksPerColumn { get; init; }

    /// <summary>Image pixels one block spans horizontally: 8 x Hmax / H (16 for the chroma of 4:2:0).</summary>
    public required int BlockWidthPixels { get; init; }

    /// <summary>Image pixels one block spans vertically.</summary>
    public required int BlockHeightPixels { get; init; }

    /// <summary>Blocks of this component in one MCU, across (H in an interleaved scan, 1 in a single-component scan).</summary>
    public required int McuBlocksAcross { get; init; }

    /// <summary>Blocks of this component in one MCU, down.</summary>
    public required int McuBlocksDown { get; init; }

    /// <summary>A zeroed coefficient store for all of this component's blocks.</summary>
    public short[] AllocateCoefficients() => new short[BlocksPerLine * BlocksPerColumn * 64];
}

/// <summary>
/// What the DCT-domain editor needs from the header of an eligible JPEG: a baseline (or extended sequential)
/// Huffman-coded 8-bit frame coded in exactly one scan that holds every component.
/// </summary>
internal sealed class JpegFrame
{
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>The components in scan order, which is the order of their blocks inside an MCU.</summary>
    public required IReadOnlyList<JpegComponent> Components { get; init; }

    public required int McusPerLine { get; init; }

    public required int McuRows { get; init; }

    /// <summary>MCUs per restart interval; 0 when the image has no restart markers.</summary>
    public required int RestartInterval { get; init; }

    /// <summary>The DC Huffman tables by id (null where undefined).</summary>
    public required HuffmanTableSpec?[] DcTables { get; init; }

    /// <summary>The AC Huffman tables by id (null where undefined).</summary>
    public required HuffmanTableSpec?[] AcTables { get; init; }

    /// <summary>
    /// Byte ranges of the source copied to the output in order: DQT, SOF, and the application segments the
    /// metadata policy keeps (JFIF without thumbnail, ICC profile, Adobe colour transform).
    /// </summary>
    public required IReadOnlyList<Range> CopiedSegments { get; init; }

    /// <summary>The SOS segment, marker included.</summary>
    public required Range ScanHeader { get; init; }

    /// <summary>Offset of the first byte of entropy-coded data.</summary>
    public required int EntropyStart { get; init; }
}
