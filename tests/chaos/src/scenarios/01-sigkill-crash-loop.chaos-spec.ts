import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosStack, startChaosStack, waitUntil } from '../support/chaos-stack';
import { harness } from '../support/harness';
import { answers, markers, sendOrders } from '../support/order-load';
import { queueDepth } from '../support/queues';
import { tally } from '../support/tally';

const ORDERS = 5_000;
const CUSTOMER = 'chaos-01-crash-loop';
// Before each kill every insert is held (a lock the scenario holds): the kill always interrupts a
// batch in flight, never by luck.

describe('01 crash loop: the processor is SIGKILLed three times while 5,000 orders stream in', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('01-crash-loop');
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should store every accepted order exactly once and leave the DLQ empty', async () => {
    const startedAt = Date.now();
    const kills: { atMs: number; inFlight: number }[] = [];
    const processor = chaos.processor;

    // About 14 s of load at 360 orders/s; the kills land while batches are in flight.
    const load = sendOrders({
      gatewayUrl: chaos.gatewayUrl,
      customerId: CUSTOMER,
      requests: markers('c01', ORDERS),
      concurrency: 24,
      perSecond: 360,
    });
    const killer = (async () => {
      for (const at of [3_000, 6_500, 10_000]) {
        await sleep(Math.max(0, startedAt + at - Date.now()));
        const held = await chaos.faults.hold();
        let inFlight: number;
        let exit: Awaited<ReturnType<typeof processor.process.kill>>;
        try {
          await waitUntil(
            'a held batch is in flight',
            async () => (await held.waiting()) > 0,
            10_000,
            20,
          );
          inFlight = (await queueDepth(chaos.sqsClient, chaos.sqs.ordersQueueUrl)).inFlight;
          exit = await processor.process.kill('SIGKILL');
        } finally {
          // The killed connections' transactions are rolled back; their messages come back later.
          await held.release();
        }
        expect(exit.signal).toBe('SIGKILL');
        kills.push({ atMs: Date.now() - startedAt, inFlight });
        // A crash loop: the orchestrator restarts it after a moment.
        await sleep(500);
        processor.process.start();
        await harness().waitForHttp(`${processor.url}/health/live`, 30_000);
      }
    })();
    const [outcomes] = await Promise.all([load, killer]);
    const accepted = outcomes
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));

    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '01-sigkill-crash-loop',
      customerId: CUSTOMER,
      sent: ORDERS,
      accepted,
      startedAt,
      details: () => ({
        kills: kills.length,
        killedAtMs: kills.map((kill) => kill.atMs).join('/'),
        inFlightAtKills: kills.reduce((sum, kill) => sum + kill.inFlight, 0),
        redeliveredAfterKills: chaos.logs.handled().redelivered,
        duplicateDeliveriesAbsorbed: chaos.logs.handled().duplicate,
        gatewayNon202: outcomes.length - accepted.length,
        answers: JSON.stringify(answers(outcomes)),
      }),
    });
    const handled = chaos.logs.handled();

    expect(kills).toHaveLength(3);
    // Each kill caught messages in flight: the chaos really interrupted work.
    expect(kills.every((kill) => kill.inFlight > 0)).toBe(true);
    // What was in flight at a kill came back after the visibility timeout and was handled again.
    expect(handled.redelivered).toBeGreaterThan(0);
    expect(figures.accepted).toBe(ORDERS);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(ORDERS);
    expect(ledger.storedNotAccepted).toBe(0);
    expect(ledger.torn).toBe(0);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
  });
});
