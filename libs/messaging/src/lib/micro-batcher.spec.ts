import { MicroBatcher, Settled } from './micro-batcher';

describe(MicroBatcher.name, () => {
  it('should hand each caller the result of its own item', async () => {
    const batcher = new MicroBatcher<number, number>(
      async (items) => items.map((item): Settled<number> => ({ ok: true, value: item * 2 })),
      {
        maxItems: 10,
        lingerMs: 0,
      },
    );

    await expect(Promise.all([1, 2, 3].map((item) => batcher.submit(item)))).resolves.toEqual([
      2, 4, 6,
    ]);
  });

  it('should flush when the batch is full and keep batches within maxItems', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, void>(
      async (items) => {
        sizes.push(items.length);
        return items.map(() => ({ ok: true, value: undefined }));
      },
      { maxItems: 4, lingerMs: 1000 },
    );

    await Promise.all(Array.from({ length: 8 }, (_, index) => batcher.submit(index)));

    expect(sizes).toEqual([4, 4]);
  });

  it('should reject only the items the flush reports as failed', async () => {
    const batcher = new MicroBatcher<number, number>(
      async (items) =>
        items.map(
          (item): Settled<number> =>
            item === 2 ? { ok: false, error: new Error('bad item') } : { ok: true, value: item },
        ),
      { maxItems: 10, lingerMs: 0 },
    );

    const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('should reject every item when the flush itself throws', async () => {
    const batcher = new MicroBatcher<number, number>(
      async () => {
        throw new Error('network');
      },
      { maxItems: 10, lingerMs: 0 },
    );

    const results = await Promise.allSettled([1, 2].map((item) => batcher.submit(item)));

    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });

  it('should start a new batch before the byte budget would be exceeded', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, void>(
      async (items) => {
        batches.push(items);
        return items.map(() => ({ ok: true, value: undefined }));
      },
      { maxItems: 10, maxBytes: 10, lingerMs: 5 },
      (item) => item.length,
    );

    await Promise.all(['aaaa', 'bbbb', 'cccc'].map((item) => batcher.submit(item)));

    expect(batches).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });
});
