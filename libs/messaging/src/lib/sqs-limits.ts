// Entries per batch request (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch).
export const SQS_MAX_BATCH_ENTRIES = 10;
// Summed size (see messageSize) of all messages of one SendMessageBatch.
export const SQS_MAX_BATCH_BYTES = 256 * 1024;

/** Splits items into batch requests SQS accepts: at most 10 entries and, with sizeOf, 256 KiB each. */
export function sqsBatches<T>(items: T[], sizeOf: (item: T) => number = () => 0): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (
      current.length > 0 &&
      (current.length === SQS_MAX_BATCH_ENTRIES || bytes + size > SQS_MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}
