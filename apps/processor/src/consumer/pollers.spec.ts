import { Message } from '@aws-sdk/client-sqs';
import { processorConfig } from '../testing/processor-config.fixture';
import { DatabaseGate } from './database-gate';
import { PollerDraining, Pollers } from './pollers';

function pollersWith(overrides: Record<string, string> = {}) {
  const config = processorConfig({ POLLERS: '3', DB_POOL_SIZE: '4', ...overrides });
  let gateOpen = true;
  const gate = {
    beforeReceive: async () => gateOpen,
    close: () => undefined,
  } as unknown as DatabaseGate;
  const pollers = new Pollers(gate, config);
  pollers.onApplicationBootstrap();
  return { pollers, closeGate: () => (gateOpen = false) };
}

const batch = (count: number, ageMs = 0): Message[] =>
  Array.from({ length: count }, (_, index) => ({
    MessageId: `m-${index}`,
    Attributes: { SentTimestamp: String(Date.now() - ageMs) },
  }));

const settledWithin = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => (error instanceof PollerDraining ? 'draining' : 'failed'),
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

describe(Pollers.name, () => {
  it('should park all but one poller while receives come back partial, and wake one when a full batch shows a backlog', async () => {
    const { pollers } = pollersWith();
    pollers.received0(0);
    pollers.received0(0);

    const parked = pollers.beforeReceive(2);
    expect(await settledWithin(parked, 50)).toBe('pending');
    expect(await settledWithin(pollers.beforeReceive(0), 50)).toBe('resolved');

    pollers.afterReceive(0);
    pollers.handlingStarted(0, batch(10, 5_000));
    pollers.handlingStarted(0, batch(10, 5_000));

    expect(await settledWithin(parked, 50)).toBe('resolved');
    pollers.drain();
  });

  it('should refuse every receive once the drain began, waking parked pollers', async () => {
    const { pollers } = pollersWith();
    pollers.received0(0);
    pollers.received0(0);
    const parked = pollers.beforeReceive(2);

    pollers.drain();

    expect(await settledWithin(parked, 50)).toBe('draining');
    expect(await settledWithin(pollers.beforeReceive(0), 50)).toBe('draining');
  });

  it('should wait for a fuller batch after a partial receive of fresh messages, but not while behind', async () => {
    const { pollers } = pollersWith();
    pollers.afterReceive(0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    pollers.afterReceive(0);
    pollers.handlingStarted(0, batch(1));
    pollers.handlingEnded(0);
    const started = Date.now();
    await pollers.beforeReceive(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5);

    pollers.afterReceive(0);
    pollers.handlingStarted(0, batch(10, 5_000));
    pollers.handlingEnded(0);
    expect(await settledWithin(pollers.beforeReceive(0), 2)).toBe('resolved');
    pollers.drain();
  });

  it('should report a poller as stuck when it has not started a receive for longer than the limit', async () => {
    const { pollers } = pollersWith({ SQS_WAIT_TIME_SECONDS: '1', STUCK_POLLER_FACTOR: '2' });
    await pollers.beforeReceive(0);

    // Limit: 2 x (1 s wait + 5 probe intervals of 1 s) + HANDLER_TIMEOUT_MS (20 s) = 32 s.
    expect(pollers.stuckPollers(Date.now() + 31_000)).toEqual([]);
    expect(pollers.stuckPollers(Date.now() + 33_000)).toEqual([
      'orders-poller-0',
      'orders-poller-1',
      'orders-poller-2',
    ]);
    pollers.drain();
  });

  it('should pause a poller for a second after a failed receive', async () => {
    const { pollers } = pollersWith();
    pollers.receiveFailed(1);

    expect(await settledWithin(pollers.beforeReceive(1), 500)).toBe('pending');
    pollers.drain();
  });
});
