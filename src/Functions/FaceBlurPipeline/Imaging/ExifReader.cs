using System.Buffers.Binary;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>Reads the orientation tag from an Exif (TIFF) block. Never throws: unreadable Exif means orientation 1.</summary>
internal static class ExifReader
{
    /// <summary>"Exif\0\0" before the TIFF header in a JPEG APP1 segment.</summary>
    public const int HeaderLength = 6;

    private const ushort OrientationTag = 0x0112;

    public static bool IsExif(ReadOnlySpan<byte> app1Payload) => app1Payload.StartsWith("Exif\0\0"u8);

    /// <summary>Orientation 1..8 from IFD0 of a TIFF block (either byte order); 1 when absent or invalid.</summary>
    public static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return 1;
        }

        bool littleEndian;
        if (tiff[0] == (byte)'I' && tiff[1] == (byte)'I')
        {
            littleEndian = true;
        }
        else if (tiff[0] == (byte)'M' && tiff[1] == (byte)'M')
        {
            littleEndian = false;
        }
        else
        {
            return 1;
        }

        if (ReadUInt16(tiff[2..], littleEndian) != 42)
        {
            return 1;
        }

        uint ifd = ReadUInt32(tiff[4..], littleEndian);
        if (ifd < 8 || ifd > (uint)tiff.Length - 2)
        {
            return 1;
        }

        int entries = ReadUInt16(tiff[(int)ifd..], littleEndian);
        int first = (int)ifd + 2;
        int fitting = (tiff.Length - first) / 12;
        for (int i = 0; i < Math.Min(entries, fitting); i++)
        {
            var entry = tiff.Slice(first + (i * 12), 12);
            if (ReadUInt16(entry, littleEndian) != OrientationTag)
            {
                continue;
            }

            int type = ReadUInt16(entry[2..], littleEndian);
            uint count = ReadUInt32(entry[4..], littleEndian);
            if (count < 1)
            {
                return 1;
            }

            // SHORT is what the standard prescribes; BYTE and LONG are tolerated (values are left-justified in the field).
            long value = type switch
            {
                3 => ReadUInt16(entry[8..], littleEndian),
                4 => ReadUInt32(entry[8..], littleEndian),
                1 => entry[8],
                _ => 1,
            };
            return value is >= 1 and <= 8 ? (int)value : 1;
        }

        return 1;
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> bytes, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
}
