import { OrdersRepository } from '@orders/persistence';
import { Registry } from 'prom-client';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { DatabaseGate } from './database-gate';

/** ping() fails until heal() is called. */
class FlakyRepository {
  pings = 0;
  readonly pingedAt: number[] = [];
  private healthy = false;

  get isHealthy(): boolean {
    return this.healthy;
  }

  heal(): void {
    this.healthy = true;
  }

  async ping(): Promise<void> {
    this.pings += 1;
    this.pingedAt.push(performance.now());
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

/** Waits for a condition, however slow the machine; the spec's timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await sleep(5);
  }
}

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
    // A receive asked for while the database is down never gets a yes before it answers again.
    const answers: { allowed: boolean; healed: boolean }[] = [];
    const early = gate
      .beforeReceive()
      .then((allowed) => answers.push({ allowed, healed: repository.isHealthy }));
    await until(() => repository.pings >= 2);

    expect(gate.isPaused).toBe(true);
    expect(await paused()).toBe(1);
    expect(answers.filter(({ allowed, healed }) => allowed && !healed)).toEqual([]);

    repository.heal();
    while (!(await gate.beforeReceive())) {
      // each wait is bounded (5 probe intervals): ask again until the probe saw the database
    }
    await early;

    expect(answers.filter(({ allowed, healed }) => allowed && !healed)).toEqual([]);
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
    await until(() => repository.pings >= 4);

    // One loop sleeps a whole interval (50 ms) between probes; three would probe in bursts.
    const gaps = repository.pingedAt.slice(1).map((at, index) => at - repository.pingedAt[index]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45);
  });
});
