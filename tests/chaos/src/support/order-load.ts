import { setTimeout as sleep } from 'node:timers/promises';

export interface OrderRequest {
  /** Unique per request; stored as the first item's SKU, so every row can be traced back to its request. */
  marker: string;
  idempotencyKey?: string;
}

export interface RequestOutcome extends OrderRequest {
  status: number | 'network-error' | 'timeout';
  /** From a 202, or from a 503 OUTCOME_UNKNOWN (the id to check). */
  orderId?: string;
  /** The error answer's code (QUEUE_UNAVAILABLE, OUTCOME_UNKNOWN, OVERLOADED, …). */
  code?: string;
  retryAfter?: string;
  /** 503 OVERLOADED answers before this outcome: shed unread, so the same request was sent again. */
  shed?: number;
  startedAt: number;
  ms: number;
}

export interface LoadOptions {
  gatewayUrl: string;
  customerId: string;
  requests: OrderRequest[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Spreads the start of requests evenly at this rate; unset: as fast as the concurrency allows. */
  perSecond?: number;
  timeoutMs?: number;
  /** Called after every answer, e.g. to trigger chaos at a point of the stream. */
  onOutcome?: (outcome: RequestOutcome, done: number) => void;
}

export function markers(prefix: string, count: number): OrderRequest[] {
  return Array.from({ length: count }, (_, index) => ({ marker: `${prefix}-${index}` }));
}

/** POST /orders through the real gateway with bounded concurrency; one outcome per request, in order. */
export async function sendOrders(options: LoadOptions): Promise<RequestOutcome[]> {
  const outcomes: RequestOutcome[] = new Array(options.requests.length);
  const started = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let index = next++; index < options.requests.length; index = next++) {
      if (options.perSecond) {
        const due = started + (index * 1000) / options.perSecond;
        if (due > Date.now()) {
          await sleep(due - Date.now());
        }
      }
      outcomes[index] = await postUntilAdmitted(options, options.requests[index], index);
      done += 1;
      options.onOutcome?.(outcomes[index], done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcomes;
}

// A shed request was never read or enqueued (503 OVERLOADED), so any client may send it again, key or
// not. The scenarios test what happens behind the gateway, and a busy host makes the gateway shed: the
// load follows the answer as a caller would, sooner than Retry-After to keep the run short.
const SHED_RETRIES = 20;
const SHED_PAUSE_MS = 250;

async function postUntilAdmitted(
  options: LoadOptions,
  request: OrderRequest,
  index: number,
): Promise<RequestOutcome> {
  for (let shed = 0; ; shed += 1) {
    const outcome = await postOrder(options, request, index);
    if (outcome.code !== 'OVERLOADED' || shed === SHED_RETRIES) {
      return shed === 0 ? outcome : { ...outcome, shed };
    }
    await sleep(SHED_PAUSE_MS);
  }
}

async function postOrder(
  options: LoadOptions,
  request: OrderRequest,
  index: number,
): Promise<RequestOutcome> {
  const startedAt = Date.now();
  const body = {
    customerId: options.customerId,
    currency: 'EUR',
    items: [
      { sku: request.marker, quantity: 1 + (index % 3), unitPriceCents: 100 + (index % 900) },
    ],
  };
  try {
    const response = await fetch(`${options.gatewayUrl}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(request.idempotencyKey ? { 'idempotency-key': request.idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    const answer = parseAnswer(text);
    return {
      ...request,
      status: response.status,
      orderId: answer.orderId,
      code: answer.code,
      retryAfter: response.headers.get('retry-after') ?? undefined,
      startedAt,
      ms: Date.now() - startedAt,
    };
  } catch (error) {
    const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    return { ...request, status, startedAt, ms: Date.now() - startedAt };
  }
}

function parseAnswer(text: string): { orderId?: string; code?: string } {
  try {
    return JSON.parse(text) as { orderId?: string; code?: string };
  } catch {
    return {};
  }
}

/** Latency percentile of the answered requests, in ms. */
export function percentile(outcomes: RequestOutcome[], p: number): number {
  const sorted = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The answers by status and code, and how many sends were shed and sent again: for the CHAOS line. */
export function answers(outcomes: RequestOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status);
    counts[key] = (counts[key] ?? 0) + 1;
    if (outcome.shed) {
      counts.shedThenResent = (counts.shedThenResent ?? 0) + outcome.shed;
    }
  }
  return counts;
}
