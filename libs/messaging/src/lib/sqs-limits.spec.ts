import { SQS_MAX_BATCH_BYTES, sqsBatches } from './sqs-limits';

describe(sqsBatches.name, () => {
  it('should cut a list into batches of at most ten entries', () => {
    const batches = sqsBatches(Array.from({ length: 23 }, (_, index) => index));

    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
  });

  it('should start a new batch before the summed size would pass 256 KiB', () => {
    const third = Math.floor(SQS_MAX_BATCH_BYTES / 3);

    const batches = sqsBatches([third, third, third, third, 1], (size) => size);

    expect(batches).toEqual([
      [third, third, third],
      [third, 1],
    ]);
  });

  it('should keep an entry larger than the limit in a batch of its own for SQS to refuse', () => {
    expect(sqsBatches([1, SQS_MAX_BATCH_BYTES + 1, 1], (size) => size)).toEqual([
      [1],
      [SQS_MAX_BATCH_BYTES + 1],
      [1],
    ]);
  });

  it('should return no batch for no items', () => {
    expect(sqsBatches([])).toEqual([]);
  });
});
