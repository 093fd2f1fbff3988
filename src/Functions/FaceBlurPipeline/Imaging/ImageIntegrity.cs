using System.Buffers.Binary;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// Refuses a damaged image before any path runs (metadata strip, DCT edit or pixel re-encode), with or without faces,
/// from its structure alone, because decoders are lenient: libjpeg-turbo (Skia) fills a truncated progressive or
/// arithmetic JPEG with grey and reports success, and would deliver it.
/// <list type="bullet">
/// <item><description>JPEG, every process (baseline, extended, progressive, arithmetic): every marker segment fits, a frame
/// precedes the scans, every scan has entropy-coded data that ends at a marker, the stream ends with EOI, every frame
/// component is coded by a scan, and a progressive frame's scans bring every coefficient of every component to its
/// final bit (a file cut at a scan boundary with an EOI glued on is still incomplete). The entropy-coded data of a
/// progressive Huffman JPEG is decoded in full here (<see cref="ProgressiveScanVerifier"/>); that of a baseline JPEG
/// by our own decoder on every path (<see cref="FaceBlurrer"/>). An arithmetic-coded JPEG is refused: we have no
/// decoder of our own for it, and libjpeg-turbo decodes corrupt arithmetic data without complaint.</description></item>
/// <item><description>PNG: every chunk fits and its CRC matches, IHDR comes first, at least one IDAT, and IEND ends it.</description></item>
/// </list>
/// </summary>
internal static class ImageIntegrity
{
    /// <exception cref="BadInputException">The image is truncated or corrupt (the reason says where, never what), or an arithmetic-coded JPEG, whose data cannot be verified.</exception>
    public static void Verify(ReadOnlySpan<byte> image, ImageFormat format)
    {
        byte frameMarker = 0;
        string? problem = format == ImageFormat.Jpeg ? JpegProblem(image, out frameMarker) : PngProblem(image);
        if (problem is null && frameMarker is 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF)
        {
            throw new BadInputException(
                "arithmetic-coded JPEG cannot be verified (its image data could be corrupt and still decode); re-encode as baseline or progressive Huffman");
        }

        if (problem is null && frameMarker == 0xC2)
        {
            problem = ProgressiveProblem(image);
        }

        if (problem is not null)
        {
            throw new BadInputException($"image is truncated or corrupt ({problem})");
        }
    }

    private static string? ProgressiveProblem(ReadOnlySpan<byte> data)
    {
        try
        {
            ProgressiveScanVerifier.Verify(data);
            return null;
        }
        catch (InvalidJpegDataException e)
        {
            return e.Message;
        }
    }

    private static string? JpegProblem(ReadOnlySpan<byte> data, out byte frameMarker)
    {
        frameMarker = 0;
        if (data.Length < 4 || data[0] != 0xFF || data[1] != JpegMarker.StartOfImage)
        {
            return "no JPEG start-of-image marker";
        }

        var reader = new JpegSegmentReader(data);
        byte[]? componentIds = null;
        bool progressive = false;
        int[,]? bits = null; // progressive: per component and coefficient, the last successive-approximation bit coded (-1: none)
        var coded = new HashSet<byte>();
        int scans = 0;
        while (true)
        {
            if (reader.Position >= data.Length)
            {
                return "no end-of-image marker: the file is cut short";
            }

            if (!reader.TryReadHeaderSegment(out JpegSegment segment))
            {
                return reader.Error;
            }

            ReadOnlySpan<byte> payload = data.Slice(segment.PayloadOffset, segment.PayloadLength);
            if (segment.Marker == JpegMarker.EndOfImage)
            {
                break;
            }

            if (JpegMarker.IsStartOfFrame(segment.Marker))
            {
                if (componentIds is not null)
                {
                    return "a second frame header";
                }

                if (payload.Length < 6 || payload.Length < 6 + (3 * payload[5]) || payload[5] == 0)
                {
                    return "a frame header too short for its components";
                }

                componentIds = new byte[payload[5]];
                for (int c = 0; c < componentIds.Length; c++)
                {
                    componentIds[c] = payload[6 + (3 * c)];
                }

                progressive = segment.Marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
                frameMarker = segment.Marker;
                bits = new int[componentIds.Length, 64];
                for (int c = 0; c < componentIds.Length; c++)
                {
                    for (int k = 0; k < 64; k++)
                    {
                        bits[c, k] = -1;
                    }
                }

                continue;
            }

            if (segment.Marker != JpegMarker.StartOfScan)
            {
                continue;
            }

            if (componentIds is null || bits is null)
            {
                return "a scan before the frame header";
            }

            if (ScanProblem(payload, componentIds, progressive, bits, coded) is { } scanProblem)
            {
                return scanProblem;
            }

            scans++;
            int entropyStart = reader.Position;
            if (!reader.SkipEntropyCodedData())
            {
                return $"scan {scans} is cut short (its data runs to the end of the file)";
            }

            if (reader.Position == entropyStart)
            {
                return $"scan {scans} has no data";
            }
        }

        if (componentIds is null || scans == 0)
        {
            return "no frame or no scan before the end-of-image marker";
        }

        for (int c = 0; c < componentIds.Length; c++)
        {
            if (!coded.Contains(componentIds[c]))
            {
                return $"component {componentIds[c]} is never coded";
            }

            for (int k = 0; progressive && k < 64; k++)
            {
                if (bits![c, k] != 0)
                {
                    return $"progressive scans stop before coefficient {k} of component {componentIds[c]} is complete";
                }
            }
        }

        return null;
    }

    private static string? ScanProblem(ReadOnlySpan<byte> sos, byte[] componentIds, bool progressive, int[,] bits, HashSet<byte> coded)
    {
        if (sos.Length < 1 || sos[0] is 0 or > 4 || sos.Length != 1 + (2 * sos[0]) + 3)
        {
            return "a scan header of the wrong length";
        }

        int count = sos[0];
        int ss = sos[1 + (2 * count)];
        int se = sos[2 + (2 * count)];
        int ah = sos[3 + (2 * count)] >> 4;
        int al = sos[3 + (2 * count)] & 0x0F;
        for (int i = 0; i < count; i++)
        {
            byte id = sos[1 + (2 * i)];
            int c = Array.IndexOf(componentIds, id);
            if (c < 0)
            {
                return $"a scan codes component {id}, which the frame does not have";
            }

            coded.Add(id);
            if (!progressive)
            {
                continue;
            }

            if (ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && count != 1))
            {
                return "a progressive scan with an invalid spectral selection";
            }

            for (int k = ss; k <= se; k++)
            {
                bool first = ah == 0 && bits[c, k] == -1;
                bool refinement = ah != 0 && bits[c, k] == ah && al == ah - 1;
                if (!first && !refinement)
                {
                    return "progressive scans out of order";
                }

                bits[c, k] = al;
            }
        }

        return null;
    }

    private static string? PngProblem(ReadOnlySpan<byte> data)
    {
        var reader = new PngChunkReader(data);
        int index = 0;
        bool sawData = false;
        bool ended = false;
        foreach (PngChunk chunk in reader)
        {
            if (ended)
            {
                return "chunks after IEND";
            }

            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(chunk.End - 4, 4));
            if (Crc32(data.Slice(chunk.Start + 4, 4 + chunk.DataLength)) != stored)
            {
                return $"chunk {index} ({System.Text.Encoding.ASCII.GetString(chunk.Type)}) fails its CRC";
            }

            if (index == 0 && !chunk.Is("IHDR"u8))
            {
                return "the first chunk is not IHDR";
            }

            sawData |= chunk.Is("IDAT"u8);
            ended = chunk.Is("IEND"u8);
            index++;
        }

        if (reader.Truncated || !ended)
        {
            return "no IEND chunk: the file is cut short";
        }

        return sawData ? null : "no image data (IDAT)";
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    // PNG's CRC-32 (ISO 3309, polynomial 0xEDB88320, reflected), over the chunk type and data.
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
