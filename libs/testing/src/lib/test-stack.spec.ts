import { eventually } from './test-stack';

describe(eventually.name, () => {
  it('should retry until the check passes', async () => {
    let calls = 0;

    const result = await eventually(
      async () => {
        calls += 1;
        if (calls < 3) {
          throw new Error('not yet');
        }
        return calls;
      },
      1000,
      1,
    );

    expect(result).toBe(3);
  });

  it('should rethrow the last failure when time is up', async () => {
    await expect(
      eventually(
        async () => {
          throw new Error('never');
        },
        20,
        5,
      ),
    ).rejects.toThrow('never');
  });
});
