import { ChaosStack, waitUntil } from './chaos-stack';
import { Figures, report } from './figures';
import { Accepted, Ledger, reconcile } from './ledger';
import { queueDepth } from './queues';

export interface Tally {
  figures: Figures;
  ledger: Ledger;
  /** Main queue depth when counted: 0 means nothing is waiting for a retry any more. */
  leftInQueue: number;
}

export interface ScenarioRun {
  name: string;
  customerId: string;
  sent: number;
  accepted: Accepted[];
  /** When the queue took more than is expected in the database (e.g. poison, or a request retried). */
  acceptedTotal?: number;
  startedAt: number;
  settleMs?: number;
  /** Evidence that the chaos happened, read once the pipeline has settled. */
  details?: (ledger: Ledger) => Promise<Figures['details']> | Figures['details'];
}

/**
 * Waits until the pipeline has settled (every accepted order stored and the main queue empty, or
 * the time is up), then counts and prints the figures. Assertions come after, so a failing
 * scenario still prints what it saw.
 */
export async function tally(chaos: ChaosStack, scenario: ScenarioRun): Promise<Tally> {
  const storedCount = async () =>
    Number(
      (
        await chaos.pool.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [
          scenario.customerId,
        ])
      ).rows[0].n,
    );
  // A retried request is accepted twice under one order id: count orders, not answers.
  const expected = new Set(scenario.accepted.map((entry) => entry.orderId)).size;
  const settled = async () =>
    (await storedCount()) >= expected &&
    (await queueDepth(chaos.sqsClient, chaos.sqs.ordersQueueUrl)).total === 0;
  await waitUntil(
    'every accepted order is stored and the queue is empty',
    settled,
    scenario.settleMs ?? 90_000,
    250,
  ).catch(() => undefined);
  const durationMs = Date.now() - scenario.startedAt;
  const ledger = await reconcile(chaos.pool, scenario.customerId, scenario.accepted);
  const dlq = await queueDepth(chaos.sqsClient, chaos.sqs.ordersDlqUrl);
  const leftInQueue = (await queueDepth(chaos.sqsClient, chaos.sqs.ordersQueueUrl)).total;
  const figures: Figures = {
    scenario: scenario.name,
    sent: scenario.sent,
    accepted: scenario.acceptedTotal ?? scenario.accepted.length,
    stored: ledger.stored,
    duplicates: ledger.duplicates,
    inDlq: dlq.total,
    lost: ledger.lost.length,
    durationMs,
    details: {
      ...(await scenario.details?.(ledger)),
      ...(ledger.torn > 0 ? { tornWrites: ledger.torn } : {}),
      ...(leftInQueue > 0 ? { leftInQueue } : {}),
    },
  };
  report(figures);
  return { figures, ledger, leftInQueue };
}
