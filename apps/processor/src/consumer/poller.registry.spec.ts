import { ModuleRef } from '@nestjs/core';
import { processorConfig } from '../testing/processor-config.fixture';
import { pollerName, PollerRegistry } from './poller.registry';

/** Just enough of an sqs-consumer Consumer: stop(), status and the abort controller. */
class FakeConsumer {
  isPolling = true;
  stopped = false;
  readonly abortController = new AbortController();

  constructor() {
    this.abortController.signal.addEventListener('abort', () => (this.isPolling = false));
  }

  get status() {
    return { isRunning: !this.stopped, isPolling: this.isPolling };
  }

  stop(): void {
    this.stopped = true;
  }
}

function registryWith(consumers: FakeConsumer[], overrides: Record<string, string> = {}) {
  const config = processorConfig({
    POLLERS: String(consumers.length),
    DB_POOL_SIZE: String(consumers.length + 1),
    ...overrides,
  });
  const map = new Map(
    consumers.map((instance, index) => [pollerName(index), { instance, stopOptions: {} }]),
  );
  const moduleRef = { get: () => ({ consumers: map }) } as unknown as ModuleRef;
  return new PollerRegistry(config, moduleRef);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(PollerRegistry.name, () => {
  it('should report a poller as stuck when it has not polled for longer than the limit', () => {
    const registry = registryWith([new FakeConsumer(), new FakeConsumer()], {
      SQS_WAIT_TIME_SECONDS: '1',
      PAUSE_PROBE_INTERVAL_MS: '100',
      STUCK_POLLER_FACTOR: '2',
      HANDLER_TIMEOUT_MS: '9000',
    });
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    registry.pollStarted(pollerName(0));
    registry.pollStarted(pollerName(1));

    // limit = 2 × (1 s + 5 × 100 ms) + 9 s = 12 s
    expect(registry.stuckPollers(now + 11_000)).toEqual([]);
    clock.mockReturnValue(now + 10_000);
    registry.batchFinished(pollerName(1));
    expect(registry.stuckPollers(now + 12_500)).toEqual([pollerName(0)]);
    clock.mockRestore();
  });

  it('should wait for a batch in flight and cancel only idle long polls when draining', async () => {
    const handling = new FakeConsumer();
    const receiving = new FakeConsumer();
    const registry = registryWith([handling, receiving]);
    registry.pollStarted(pollerName(0));
    registry.batchStarted(pollerName(0));
    registry.pollStarted(pollerName(1));

    const drain = registry.drain(Date.now() + 5_000);
    await sleep(100);

    expect(registry.isDraining).toBe(true);
    expect(handling.stopped && receiving.stopped).toBe(true);
    // The long poll stays open while a batch is still being committed.
    expect(receiving.abortController.signal.aborted).toBe(false);

    registry.batchFinished(pollerName(0));
    handling.isPolling = false;
    const outcome = await drain;

    expect(outcome).toEqual({
      drained: true,
      unfinished: [],
      abortedReceives: 1,
      batchesInFlight: 1,
    });
    expect(handling.abortController.signal.aborted).toBe(false);
    expect(receiving.abortController.signal.aborted).toBe(true);
  });

  it('should give up at the deadline and name the pollers still busy', async () => {
    const stuck = new FakeConsumer();
    const registry = registryWith([stuck, new FakeConsumer()]);
    registry.pollStarted(pollerName(0));
    registry.batchStarted(pollerName(0));
    registry.pollStarted(pollerName(1));
    const started = Date.now();

    const outcome = await registry.drain(started + 300);

    expect(Date.now() - started).toBeLessThan(600);
    expect(outcome.drained).toBe(false);
    expect(outcome.unfinished).toEqual([pollerName(0)]);
    // The batch is never aborted; the long poll behind nothing is.
    expect(stuck.abortController.signal.aborted).toBe(false);
    expect(outcome.abortedReceives).toBe(1);
  });

  it('should cut batches off shortly before the deadline', async () => {
    const registry = registryWith([new FakeConsumer(), new FakeConsumer()]);
    registry.batchStarted(pollerName(0));
    let cutAt = 0;
    void registry.drainCutoff.then(() => (cutAt = Date.now()));
    const started = Date.now();

    await registry.drain(started + 1_000);

    // The last fifth of the budget (at most 2 s) is kept for handing messages back.
    expect(cutAt - started).toBeGreaterThanOrEqual(750);
    expect(cutAt - started).toBeLessThan(950);
  });
});
