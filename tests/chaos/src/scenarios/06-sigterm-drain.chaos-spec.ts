import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChaosStack,
  CHAOS_PROCESSOR_ENV,
  startChaosStack,
  waitUntil,
} from '../support/chaos-stack';
import { HeldInserts } from '../support/database-faults';
import { ProcessExit } from '../support/harness';
import { markers, sendOrders } from '../support/order-load';
import { queueDepth } from '../support/queues';
import { tally } from '../support/tally';

const ORDERS = 3_000;
const CUSTOMER = 'chaos-06-sigterm';
// At the SIGTERM every insert waits on a lock the scenario holds: batches are in flight on
// purpose, and the drain must commit them once the lock is let go. Shorter than the statement
// timeout (DB_STATEMENT_TIMEOUT_MS), so the held inserts are not cancelled.
const HOLD_AFTER_SIGTERM_MS = 1_000;
const DRAIN_BUDGET_MS = Number(CHAOS_PROCESSOR_ENV.DRAIN_BUDGET_MS);

describe('06 SIGTERM to the processor under load (a rollout or a KEDA scale-in)', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('06-sigterm');
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should exit 0 within the drain budget, lose nothing and redeliver nothing it committed', async () => {
    // Slower inserts: batches are mid-transaction when the signal arrives.
    await chaos.faults.set({ delayMs: 60 });
    const startedAt = Date.now();
    const terminated: { exit?: ProcessExit; ms?: number; inFlight?: number } = {};

    const load = sendOrders({
      gatewayUrl: chaos.gatewayUrl,
      customerId: CUSTOMER,
      requests: markers('c06', ORDERS),
      concurrency: 16,
      perSecond: 250,
    });
    let held: HeldInserts | undefined;
    const rollout = (async () => {
      await sleep(4_000);
      held = await chaos.faults.hold();
      const holding = held;
      await waitUntil(
        'a held batch is in flight',
        async () => (await holding.waiting()) > 0,
        10_000,
        20,
      );
      terminated.inFlight = (await queueDepth(chaos.sqsClient, chaos.sqs.ordersQueueUrl)).inFlight;
      const signalledAt = Date.now();
      // The replacement starts while the old replica drains, as in a rolling update; the held
      // batches are let go only after the drain has begun. The exit is timed on its own: the
      // replacement's start-up is not part of it.
      await Promise.all([
        chaos.processor.process.stop(DRAIN_BUDGET_MS + 20_000).then((exit) => {
          terminated.exit = exit;
          terminated.ms = Date.now() - signalledAt;
        }),
        chaos.addProcessor('processor-b'),
        sleep(HOLD_AFTER_SIGTERM_MS).then(() => holding.release()),
      ]);
    })();
    const [outcomes] = await Promise.all([load, rollout]).finally(() => held?.release());
    const accepted = outcomes
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));

    const drainLog = () =>
      chaos.logs
        .entries('processor')
        .find(
          (entry) =>
            entry.process === 'processor' &&
            entry.context === 'DrainCoordinator' &&
            'drainMs' in entry,
        );
    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '06-sigterm-drain',
      customerId: CUSTOMER,
      sent: ORDERS,
      accepted,
      startedAt,
      details: () => {
        const drain = drainLog();
        const handled = chaos.logs.handled();
        return {
          exitCode: String(terminated.exit?.code),
          exitSignal: String(terminated.exit?.signal),
          exitAfterMs: terminated.ms ?? -1,
          drainMs: Number(drain?.drainMs ?? -1),
          budgetMs: DRAIN_BUDGET_MS,
          inFlightAtSigterm: terminated.inFlight ?? -1,
          batchesInFlightAtDrain: Number(drain?.batchesInFlight ?? -1),
          openHandlesAtExit: JSON.stringify(drain?.openHandles ?? 'n/a'),
          committedThenRedelivered: handled.duplicate,
        };
      },
    });
    await chaos.faults.set({});

    expect(terminated.exit).toEqual({ code: 0, signal: null });
    expect(terminated.ms).toBeLessThan(DRAIN_BUDGET_MS);
    const drain = drainLog();
    expect(drain?.msg).toBe('drained');
    // The held batch was in flight at the SIGTERM; the drain waited for it and committed it once.
    expect(Number(drain?.batchesInFlight)).toBeGreaterThan(0);
    expect(terminated.ms).toBeGreaterThanOrEqual(HOLD_AFTER_SIGTERM_MS);
    // Pool, SQS sockets and timers closed: nothing but the exit was left.
    expect(drain?.openHandles).toEqual([]);
    // Nothing the old replica committed came back as a second delivery.
    expect(figures.details.committedThenRedelivered).toBe(0);
    expect(figures.accepted).toBe(ORDERS);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(ORDERS);
    expect(ledger.torn).toBe(0);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
  });
});
