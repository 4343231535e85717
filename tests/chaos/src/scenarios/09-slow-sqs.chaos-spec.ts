import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosStack, startChaosStack } from '../support/chaos-stack';
import { OrderRequest, RequestOutcome, sendOrders } from '../support/order-load';

const CUSTOMER = 'chaos-09-slow-sqs';
const KEYLESS = 40;
const KEYED = 30;
const ROUNDS = 3;
// Every SendMessageBatch of the gateway is answered after 2.5-6 s; SQS acts on it either way.
const SLOW_SQS = {
  throttle: 0,
  serverError: 0,
  lostAnswer: 0,
  delay: 1,
  minDelayMs: 2500,
  maxDelayMs: 6000,
  actions: ['SendMessageBatch'],
};

describe('09 SQS answers the gateway after 2.5-6 s: answers tell clients the truth', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('09-slow-sqs', {
      sqsFaults: true,
      // As shipped: a 5 s deadline, 3 s per SQS call.
      gatewayEnv: { SEND_TIMEOUT_MS: '5000', SQS_REQUEST_TIMEOUT_MS: '3000' },
    });
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should never let a client that follows the answers create an order twice, with or without a key', async () => {
    const proxy = chaos.sqsFaultProxy;
    if (!proxy) {
      throw new Error('the gateway must reach SQS through the SQS fault proxy');
    }
    proxy.setFaults(SLOW_SQS);
    const send = (requests: OrderRequest[]) =>
      sendOrders({
        gatewayUrl: chaos.gatewayUrl,
        customerId: CUSTOMER,
        requests,
        concurrency: 20,
        timeoutMs: 15_000,
      });

    // Keyless clients: 202 done; 503 OUTCOME_UNKNOWN -> check Location, never resend;
    // any other 503 -> nothing was accepted, send again.
    const accepted: RequestOutcome[] = [];
    const unknown: RequestOutcome[] = [];
    const unanswered: RequestOutcome[] = [];
    let codes: Record<string, number> = {};
    const count = (outcome: RequestOutcome) => {
      const key = `${outcome.status} ${outcome.code ?? ''}`.trim();
      codes = { ...codes, [key]: (codes[key] ?? 0) + 1 };
    };
    let keyless: OrderRequest[] = Array.from({ length: KEYLESS }, (_, index) => ({
      marker: `c09-nokey-${index}`,
    }));
    // Keyed clients retry every 503 with the same key.
    let keyed: OrderRequest[] = Array.from({ length: KEYED }, (_, index) => ({
      marker: `c09-key-${index}`,
      idempotencyKey: `c09-key-${index}`,
    }));
    for (let round = 0; round < ROUNDS && keyless.length + keyed.length > 0; round += 1) {
      const outcomes = await send([...keyless, ...keyed]);
      outcomes.forEach(count);
      const retry: OrderRequest[] = [];
      for (const outcome of outcomes) {
        if (outcome.status === 202) {
          accepted.push(outcome);
        } else if (typeof outcome.status !== 'number') {
          unanswered.push(outcome);
        } else if (outcome.idempotencyKey) {
          retry.push({ marker: outcome.marker, idempotencyKey: outcome.idempotencyKey });
        } else if (outcome.code === 'OUTCOME_UNKNOWN') {
          unknown.push(outcome);
        } else {
          retry.push({ marker: outcome.marker });
        }
      }
      keyless = retry.filter((request) => !request.idempotencyKey);
      keyed = retry.filter((request) => request.idempotencyKey);
    }
    proxy.setFaults(undefined);

    // Following OUTCOME_UNKNOWN: GET Location until the order shows up.
    const resolved = new Set<string>();
    const checkUntil = Date.now() + 60_000;
    while (resolved.size < unknown.length && Date.now() < checkUntil) {
      for (const outcome of unknown.filter((entry) => !resolved.has(entry.marker))) {
        const response = await fetch(`${chaos.gatewayUrl}/orders/${outcome.orderId}`);
        if (response.status === 200) {
          resolved.add(outcome.marker);
        }
      }
      await sleep(500);
    }
    // Everything sent has settled: the queue is empty.
    const settleUntil = Date.now() + 60_000;
    let rows: { marker: string; copies: number }[] = [];
    while (Date.now() < settleUntil) {
      rows = (
        await chaos.pool.query<{ marker: string; copies: number }>(
          `SELECT i.sku AS marker, count(*)::int AS copies
             FROM orders o JOIN order_items i ON i.order_id = o.order_id AND i.line_no = 0
            WHERE o.customer_id = $1 GROUP BY i.sku`,
          [CUSTOMER],
        )
      ).rows;
      const stored = new Set(rows.map((row) => row.marker));
      if (accepted.every((outcome) => stored.has(outcome.marker))) {
        await sleep(3000);
        break;
      }
      await sleep(500);
    }
    const storedCopies = new Map(rows.map((row) => [row.marker, row.copies]));
    const figures = {
      answers: codes,
      accepted: accepted.length,
      outcomeUnknown: unknown.length,
      unknownFoundStored: resolved.size,
      slowedCalls: proxy.total('delay'),
      storedTwice: rows.filter((row) => row.copies > 1).map((row) => row.marker),
    };
    process.stdout.write(`09-slow-sqs figures: ${JSON.stringify(figures)}\n`);

    // Nobody created an order twice, keyed or not.
    expect(figures.storedTwice).toEqual([]);
    // The slow SQS really left outcomes open, and every client got an answer.
    expect(figures.slowedCalls).toBeGreaterThan(10);
    expect(unknown.length).toBeGreaterThan(0);
    expect(unanswered).toEqual([]);
    // Only 202 and 503 reach clients; an open outcome always names the id to check.
    expect(Object.keys(codes).filter((key) => !/^(202|503)/.test(key))).toEqual([]);
    expect(unknown.every((outcome) => typeof outcome.orderId === 'string')).toBe(true);
    // Every 202 is stored; the open outcomes were stored (SQS acted on every call), which
    // following Location found out.
    expect(accepted.filter((outcome) => storedCopies.get(outcome.marker) !== 1)).toEqual([]);
    expect(resolved.size).toBe(unknown.length);
  }, 240_000);
});
