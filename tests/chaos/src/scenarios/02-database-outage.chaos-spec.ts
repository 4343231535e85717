import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHAOS_PROCESSOR_ENV,
  ChaosStack,
  httpStatus,
  metric,
  startChaosStack,
  waitUntil,
} from '../support/chaos-stack';
import { markers, percentile, RequestOutcome, sendOrders } from '../support/order-load';
import { queueDepth } from '../support/queues';
import { tally } from '../support/tally';

const ORDERS = 1_800;
const CUSTOMER = 'chaos-02-database-outage';
const OUTAGE_MS = 32_000;

describe('02 PostgreSQL is stopped for 32 s in the middle of a stream of orders', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('02-database-outage');
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should keep answering 202, pause the processor instead of dead-lettering, and store everything after recovery', async () => {
    const startedAt = Date.now();
    const samples: { paused?: number; ready: number | 'unreachable' }[] = [];
    const outage = { from: 0, to: 0, backlogDrainedMs: -1 };
    let sampling = true;

    // 40 orders/s for 45 s: the outage sits in the middle, with traffic before, during and after it.
    const load = sendOrders({
      gatewayUrl: chaos.gatewayUrl,
      customerId: CUSTOMER,
      requests: markers('c02', ORDERS),
      concurrency: 8,
      perSecond: 40,
    });
    const chaosMonkey = (async () => {
      await sleep(5_000);
      outage.from = Date.now();
      await chaos.postgres.stop();
      const sampler = (async () => {
        while (sampling) {
          samples.push({
            paused: await metric(chaos.processor.url, 'processor_paused'),
            ready: await httpStatus(`${chaos.processor.url}/health/ready`),
          });
          await sleep(1_000);
        }
      })();
      await sleep(OUTAGE_MS);
      await chaos.postgres.start();
      outage.to = Date.now();
      sampling = false;
      await sampler;
      // The backlog of the outage is gone once the queue is back to what the live stream keeps in it.
      outage.backlogDrainedMs = await waitUntil(
        'the backlog is drained',
        async () => (await queueDepth(chaos.sqsClient, chaos.sqs.ordersQueueUrl)).total < 40,
        60_000,
        100,
      );
    })();
    const [outcomes] = await Promise.all([load, chaosMonkey]);
    const during = (outcome: RequestOutcome) =>
      outcome.startedAt >= outage.from && outcome.startedAt < outage.to;
    const duringOutage = outcomes.filter(during);
    const accepted = outcomes
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));

    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '02-database-outage',
      customerId: CUSTOMER,
      sent: ORDERS,
      accepted,
      startedAt,
      details: async () => ({
        outageS: ((outage.to - outage.from) / 1000).toFixed(1),
        acceptedDuringOutage: duringOutage.filter((outcome) => outcome.status === 202).length,
        gatewayP99DuringOutageMs: percentile(duringOutage, 99),
        gatewayP99OutsideMs: percentile(
          outcomes.filter((outcome) => !during(outcome)),
          99,
        ),
        pausedSamples: `${samples.filter((sample) => sample.paused === 1).length}/${samples.length}`,
        notReadySamples: samples.filter((sample) => sample.ready === 503).length,
        backlogDrainedInS: (outage.backlogDrainedMs / 1000).toFixed(1),
        pauses: (await metric(chaos.processor.url, 'processor_pauses_total')) ?? 'n/a',
      }),
    });

    expect(outage.to - outage.from).toBeGreaterThanOrEqual(30_000);
    // The front end never noticed: every order during the outage was accepted.
    expect(duringOutage.length).toBeGreaterThan(1_000);
    expect(duringOutage.every((outcome) => outcome.status === 202)).toBe(true);
    expect(figures.accepted).toBe(ORDERS);
    // The processor paused (metric and readiness) for most of the outage instead of burning receives.
    // Through PgBouncer a batch sent as the server goes away can wait in the pooler's queue until the
    // client gives up (statement + connect timeout), so the pause may start that much later.
    const stuckStatementS = Math.ceil(
      (Number(CHAOS_PROCESSOR_ENV.DB_STATEMENT_TIMEOUT_MS) +
        Number(CHAOS_PROCESSOR_ENV.DB_CONNECT_TIMEOUT_MS)) /
        1000,
    );
    expect(samples.filter((sample) => sample.paused === 1).length).toBeGreaterThanOrEqual(
      samples.length - 3 - stuckStatementS,
    );
    expect(samples.filter((sample) => sample.ready === 503).length).toBeGreaterThanOrEqual(
      samples.length - 3,
    );
    expect(figures.inDlq).toBe(0);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(ORDERS);
    expect(ledger.torn).toBe(0);
    expect(leftInQueue).toBe(0);
    expect(await httpStatus(`${chaos.processor.url}/health/ready`)).toBe(200);
  });
});
