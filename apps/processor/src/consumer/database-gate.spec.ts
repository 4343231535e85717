import { OrdersRepository } from '@orders/persistence';
import { Registry } from 'prom-client';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { DatabaseGate } from './database-gate';

/** ping() fails until heal() is called. */
class FlakyRepository {
  pings = 0;
  private healthy = false;

  heal(): void {
    this.healthy = true;
  }

  async ping(): Promise<void> {
    this.pings += 1;
    if (!this.healthy) {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
  }
}

function gateWith(repository: FlakyRepository) {
  const registry = new Registry();
  const gate = new DatabaseGate(
    repository as unknown as OrdersRepository,
    processorConfig({ PAUSE_PROBE_INTERVAL_MS: '50' }),
    new ProcessorMetrics(registry),
  );
  const paused = async () =>
    (await registry.getSingleMetric('processor_paused')?.get())?.values[0]?.value;
  return { gate, paused };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(DatabaseGate.name, () => {
  let gate: DatabaseGate;

  afterEach(() => gate?.close());

  it('should let a receive through at once when the database is healthy', async () => {
    ({ gate } = gateWith(new FlakyRepository()));

    await expect(gate.beforeReceive()).resolves.toBe(true);
    expect(gate.isPaused).toBe(false);
  });

  it('should hold receives while the database is down and release them when a probe succeeds', async () => {
    const repository = new FlakyRepository();
    let paused: () => Promise<number | undefined>;
    ({ gate, paused } = gateWith(repository));

    gate.reportOutage('connect ECONNREFUSED');
    const receive = gate.beforeReceive();
    let released = false;
    void receive.then(() => (released = true));
    await sleep(160);

    expect(gate.isPaused).toBe(true);
    expect(await paused()).toBe(1);
    expect(released).toBe(false);
    expect(repository.pings).toBeGreaterThanOrEqual(2);

    repository.heal();
    await expect(receive).resolves.toBe(true);

    expect(gate.isPaused).toBe(false);
    expect(await paused()).toBe(0);
  });

  it('should skip the receive after a bounded wait when the database stays down', async () => {
    ({ gate } = gateWith(new FlakyRepository()));
    gate.reportOutage('down');
    const started = Date.now();

    await expect(gate.beforeReceive()).resolves.toBe(false);

    // 5 probe intervals of 50 ms: the poller comes back to refresh its liveness.
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(gate.isPaused).toBe(true);
  });

  it('should release waiting pollers and stop probing when it is closed', async () => {
    const repository = new FlakyRepository();
    ({ gate } = gateWith(repository));
    gate.reportOutage('down');
    const receive = gate.beforeReceive();

    gate.close();

    await expect(receive).resolves.toBe(false);
    const pings = repository.pings;
    await sleep(150);
    expect(repository.pings).toBe(pings);
  });

  it('should refuse every receive once it is closed', async () => {
    ({ gate } = gateWith(new FlakyRepository()));

    gate.close();

    await expect(gate.beforeReceive()).resolves.toBe(false);
  });

  it('should start one probe loop however many batches report the outage', async () => {
    const repository = new FlakyRepository();
    ({ gate } = gateWith(repository));

    gate.reportOutage('a');
    gate.reportOutage('b');
    gate.reportOutage('c');
    await sleep(130);

    // One loop probes every 50 ms: two probes by now, not six.
    expect(repository.pings).toBe(2);
  });
});
