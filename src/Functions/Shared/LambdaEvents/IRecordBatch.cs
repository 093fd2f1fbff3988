namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// An event source mapping batch whose top-level <c>Records</c> are processed one by one. A null entry there is
/// left for the batch processor, which sets it aside with a reason while the other records are processed
/// (see <see cref="SqsBatchProcessor"/> and <see cref="StreamBatchProcessor"/>).
/// </summary>
public interface IRecordBatch;
