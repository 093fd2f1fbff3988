using System.Buffers;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// The buffers of one upload: arrays of exactly the part size (not rounded up to a power of two as the shared pool
/// does), at most <c>capacity</c> kept for reuse, all dropped with the upload. The uploader holds at most
/// <c>MaxParallelParts</c> of them at a time, so memory is bounded by parts in flight × part size.
/// </summary>
internal sealed class PartBufferPool(int partSize, int capacity) : ArrayPool<byte>
{
    private readonly Stack<byte[]> _free = new();

    public override byte[] Rent(int minimumLength)
    {
        if (minimumLength > partSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumLength), minimumLength, "larger than the part size");
        }

        lock (_free)
        {
            if (_free.TryPop(out byte[]? buffer))
            {
                return buffer;
            }
        }

        return GC.AllocateUninitializedArray<byte>(partSize);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length != partSize)
        {
            return;
        }

        lock (_free)
        {
            if (_free.Count < capacity)
            {
                _free.Push(array);
            }
        }
    }
}
