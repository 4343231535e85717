import { orderFactory } from '@orders/contracts/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosStack, startChaosStack, waitUntil } from '../support/chaos-stack';
import { HeldInserts } from '../support/database-faults';
import { OrderRequest, sendOrders } from '../support/order-load';
import { sendRaw } from '../support/queues';
import { tally } from '../support/tally';

const CUSTOMER = 'chaos-05-duplicates';
const RETRIED_REQUESTS = 600;
const TWIN_MESSAGES = 300;
// Longer than VISIBILITY_TIMEOUT_SECONDS (10 s): everything the frozen replica holds reappears.
const FREEZE_MS = 14_000;

describe('05 duplicate deliveries: every order arrives twice and visibility expires mid-processing', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('05-duplicates');
  }, 60_000);

  afterAll(async () => {
    // Never leave a stopped process behind, whatever happened.
    const pid = chaos?.processor.process.pid;
    if (pid) {
      process.kill(pid, 'SIGCONT');
    }
    await chaos?.stop();
  }, 60_000);

  it('should store one row per order whatever the number of deliveries', async () => {
    const frozen = chaos.processor;
    // Slow inserts keep batches in flight while the load runs.
    await chaos.faults.set({ delayMs: 150 });
    const startedAt = Date.now();

    // Client retries: each order POSTed twice with one Idempotency-Key (same order id, two messages).
    const retried: OrderRequest[] = Array.from({ length: RETRIED_REQUESTS }, (_, index) => ({
      marker: `c05-key-${index}`,
      idempotencyKey: `c05-key-${index}`,
    })).flatMap((request) => [request, request]);
    // The same message body sent twice straight to the queue.
    const twins = Array.from({ length: TWIN_MESSAGES }, (_, index) => {
      const marker = `c05-twin-${index}`;
      const envelope = orderFactory.envelope({
        order: { customerId: CUSTOMER, items: [{ sku: marker, quantity: 1, unitPriceCents: 700 }] },
      });
      return { marker, orderId: envelope.orderId, body: JSON.stringify(envelope) };
    });
    // The freeze lands on a batch in flight on purpose, not by luck: every insert waits on a lock
    // the scenario holds, and while only the frozen replica runs, a waiting insert is its batch.
    // The second replica starts during the freeze and receives what reappears.
    let held: HeldInserts | undefined;
    let other: ChaosStack['processor'] | undefined;
    const freeze = (async () => {
      await sleep(3_000);
      held = await chaos.faults.hold();
      const holding = held;
      await waitUntil(
        'a held batch in the replica about to freeze',
        async () => (await holding.waiting()) > 0,
        10_000,
        20,
      );
      const inFlightAtFreeze = await holding.waiting();
      process.kill(frozen.process.pid as number, 'SIGSTOP');
      const frozenAt = Date.now();
      await holding.release();
      other = await chaos.addProcessor('processor-b');
      await sleep(Math.max(0, FREEZE_MS - (Date.now() - frozenAt)));
      process.kill(frozen.process.pid as number, 'SIGCONT');
      return inFlightAtFreeze;
    })();
    const [outcomes, , inFlightAtFreeze] = await Promise.all([
      sendOrders({
        gatewayUrl: chaos.gatewayUrl,
        customerId: CUSTOMER,
        requests: retried,
        concurrency: 16,
        perSecond: 150,
      }),
      sendRaw(
        chaos.sqsClient,
        chaos.sqs.ordersQueueUrl,
        twins.flatMap((twin) => [twin.body, twin.body]),
      ),
      freeze,
    ]).finally(() => held?.release());
    const accepted = [
      ...outcomes
        .filter((outcome) => outcome.status === 202)
        .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string })),
      ...twins.map((twin) => ({ marker: twin.marker, orderId: twin.orderId })),
    ];

    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '05-duplicate-delivery',
      customerId: CUSTOMER,
      sent: outcomes.length + twins.length * 2,
      accepted,
      acceptedTotal: outcomes.filter((outcome) => outcome.status === 202).length + twins.length * 2,
      startedAt,
      details: () => {
        const handled = chaos.logs.handled();
        return {
          distinctOrders: RETRIED_REQUESTS + TWIN_MESSAGES,
          frozenForMs: FREEZE_MS,
          inFlightAtFreeze,
          deliveriesHandled: handled.stored + handled.duplicate,
          duplicateDeliveriesAbsorbed: handled.duplicate,
          redeliveredAfterVisibilityExpired: handled.redelivered,
          staleReceiptHandles: chaos.logs
            .entries('processor')
            .filter((entry) => entry.code === 'ReceiptHandleIsInvalid').length,
        };
      },
    });
    await chaos.faults.set({});
    await other?.process.stop();

    // Each retried request pair was answered with one order id.
    const idsByKey = new Map<string, Set<string>>();
    outcomes
      .filter((outcome) => outcome.status === 202)
      .forEach((outcome) =>
        idsByKey.set(
          outcome.marker,
          (idsByKey.get(outcome.marker) ?? new Set()).add(outcome.orderId as string),
        ),
      );
    expect([...idsByKey.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(outcomes.every((outcome) => outcome.status === 202)).toBe(true);
    // The freeze caught a batch in flight (held on purpose), and that work came back to the other replica.
    expect(inFlightAtFreeze).toBeGreaterThan(0);
    expect(figures.details.redeliveredAfterVisibilityExpired).toBeGreaterThan(0);
    // Every order was delivered at least twice; all but one delivery of each was absorbed.
    expect(figures.details.duplicateDeliveriesAbsorbed).toBeGreaterThanOrEqual(
      RETRIED_REQUESTS + TWIN_MESSAGES,
    );
    expect(figures.stored).toBe(RETRIED_REQUESTS + TWIN_MESSAGES);
    expect(figures.duplicates).toBe(0);
    expect(ledger.lost).toEqual([]);
    expect(ledger.torn).toBe(0);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
  });
});
