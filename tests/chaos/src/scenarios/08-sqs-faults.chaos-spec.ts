import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosStack, startChaosStack } from '../support/chaos-stack';
import { OrderRequest, percentile, RequestOutcome, sendOrders } from '../support/order-load';
import { tally } from '../support/tally';

const CUSTOMER = 'chaos-08-sqs-faults';
const REQUESTS = 1200;
const CLIENT_ROUNDS = 6;
// Shares of all SQS calls of gateway and processors; the rest pass untouched.
const FAULTS = {
  throttle: 0.08,
  serverError: 0.06,
  lostAnswer: 0.04,
  delay: 0.15,
  maxDelayMs: 2500,
};

describe('08 SQS throttles, fails and slows down calls of the gateway and the processors', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('08-sqs-faults', { sqsFaults: true });
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should never answer 202 for an order it did not enqueue, and store every accepted order once', async () => {
    const proxy = chaos.sqsFaultProxy;
    if (!proxy) {
      throw new Error('gateway and processors must reach SQS through the SQS fault proxy');
    }
    await chaos.addProcessor('processor-b');
    proxy.setFaults(FAULTS);
    const startedAt = Date.now();

    // Clients as the API asks them to be: an Idempotency-Key per order, a 503 retried with it.
    let pending: OrderRequest[] = Array.from({ length: REQUESTS }, (_, index) => ({
      marker: `c08-${index}`,
      idempotencyKey: `c08-key-${index}`,
    }));
    const answered: RequestOutcome[] = [];
    const rounds: number[] = [];
    for (let round = 0; round < CLIENT_ROUNDS && pending.length > 0; round += 1) {
      const outcomes = await sendOrders({
        gatewayUrl: chaos.gatewayUrl,
        customerId: CUSTOMER,
        requests: pending,
        concurrency: 16,
        perSecond: round === 0 ? 150 : undefined,
      });
      answered.push(...outcomes);
      rounds.push(outcomes.length);
      pending = outcomes.filter((outcome) => outcome.status !== 202);
      await sleep(200);
    }
    const accepted = answered
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));
    const unanswered = answered.filter(
      (outcome) => typeof outcome.status !== 'number' || outcome.status >= 500,
    );

    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '08-sqs-faults',
      customerId: CUSTOMER,
      sent: REQUESTS,
      accepted,
      acceptedTotal: new Set(accepted.map((entry) => entry.marker)).size,
      startedAt,
      settleMs: 120_000,
      details: (counted) => {
        const onPath = (actions: string[]) =>
          actions.reduce(
            (sum, action) =>
              sum +
              Object.entries(proxy.counts[action] ?? {})
                .filter(([fault]) => fault !== 'none')
                .reduce((faults, [, count]) => faults + count, 0),
            0,
          );
        return {
          false202s: counted.lost.length,
          throttled: proxy.total('throttle'),
          serverErrors: proxy.total('serverError'),
          lostAnswers: proxy.total('lostAnswer'),
          delayed: proxy.total('delay'),
          gatewayPathFaults: onPath(['SendMessageBatch', 'SendMessage']),
          processorPathFaults: onPath([
            'ReceiveMessage',
            'DeleteMessageBatch',
            'DeleteMessage',
            'ChangeMessageVisibilityBatch',
            'ChangeMessageVisibility',
          ]),
          answers503: answered.filter((outcome) => outcome.status === 503).length,
          clientRounds: rounds.join('/'),
          neverAccepted: pending.length,
          storedAfter503: counted.storedNotAccepted,
          p99Ms: percentile(answered, 99),
        };
      },
    });
    proxy.setFaults(undefined);

    // The faults really hit both paths.
    expect(figures.details.gatewayPathFaults).toBeGreaterThan(20);
    expect(figures.details.processorPathFaults).toBeGreaterThan(20);
    expect(proxy.total('lostAnswer')).toBeGreaterThan(0);
    // Only 202 and 503 (with Retry-After) reach clients: the SDK's retries and the gateway's
    // timeout absorb the rest.
    expect(unanswered.filter((outcome) => outcome.status !== 503)).toEqual([]);
    expect(unanswered.every((outcome) => outcome.retryAfter !== undefined)).toBe(true);
    // Figures: no 202 without the order in the queue, nothing lost, nothing stored twice.
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(ledger.torn).toBe(0);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
    // Retried with their keys, (almost) every client got its 202 in the end.
    expect(pending.length).toBeLessThanOrEqual(REQUESTS * 0.01);
  });
});
