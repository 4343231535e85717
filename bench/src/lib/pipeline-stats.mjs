import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './stats.mjs';

// The SQS calls an order's trip costs (billed per request); probes and admin calls are listed apart.
export const ORDER_PATH_ACTIONS = [
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
];

// Drain rates are taken between these shares of the backlog: the first orders warm the fresh
// processor up (JIT, pools, first polls), the last ones are the tail where pollers run dry.
export const DRAIN_WINDOW = { from: 0.2, to: 0.95 };

export function countsDelta(before, after) {
  const delta = {};
  for (const [action, count] of Object.entries(after)) {
    const difference = count - (before[action] ?? 0);
    if (difference > 0) {
      delta[action] = difference;
    }
  }
  return delta;
}

export function requestsPer(delta, orders) {
  const orderPath = ORDER_PATH_ACTIONS.reduce((sum, action) => sum + (delta[action] ?? 0), 0);
  return {
    orders,
    orderPathRequests: orderPath,
    perOrder: orders > 0 ? round(orderPath / orders, 3) : null,
    byAction: delta,
  };
}

export async function waitFor(check, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await sleep(intervalMs);
  }
  return false;
}

export async function countStored(pool) {
  const { rows } = await pool.query('SELECT count(*)::int AS stored FROM orders');
  return rows[0].stored;
}

/** Count, span and end-to-end latency (stored_at − accepted_at) of the rows in the table. */
export async function storedStats(pool) {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS stored,
            extract(epoch FROM max(stored_at) - min(stored_at)) AS span_seconds,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)) * 1000 AS p50_ms,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)) * 1000 AS p99_ms,
            max(extract(epoch FROM stored_at - accepted_at)) * 1000 AS max_ms
       FROM orders`,
  );
  const row = rows[0];
  return {
    stored: row.stored,
    spanSeconds: Number(row.span_seconds ?? 0),
    p50Ms: round(Number(row.p50_ms), 1),
    p99Ms: round(Number(row.p99_ms), 1),
    maxMs: round(Number(row.max_ms), 1),
  };
}

/** Orders per second between DRAIN_WINDOW's shares of the stored rows, by the database's clock. */
export async function windowedStoreRate(pool) {
  const { rows } = await pool.query(
    `WITH ranked AS (
       SELECT stored_at, row_number() OVER (ORDER BY stored_at) AS n, count(*) OVER () AS total
         FROM orders)
     SELECT n::int AS n, extract(epoch FROM stored_at) AS at
       FROM ranked
      WHERE n = greatest(floor(total * $1::float8), 1) OR n = ceil(total * $2::float8)
      ORDER BY n`,
    [DRAIN_WINDOW.from, DRAIN_WINDOW.to],
  );
  if (rows.length < 2) {
    return null;
  }
  const [first, last] = rows;
  return (last.n - first.n) / Math.max(Number(last.at) - Number(first.at), 0.001);
}

/** Rate per wall-clock second of the stored rows, with that second's p99 end-to-end latency. */
export async function storedPerSecond(pool) {
  const { rows } = await pool.query(
    `SELECT floor(extract(epoch FROM stored_at))::bigint AS second, count(*)::int AS stored,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)) * 1000 AS p99_ms
       FROM orders GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((row) => ({
    atMs: Number(row.second) * 1000 + 500,
    rate: row.stored,
    p99: Number(row.p99_ms),
  }));
}

/** Same window as windowedStoreRate over a list of (time ms, count) batches taken by the bench itself. */
export function windowedRate(batches) {
  const total = batches.reduce((sum, batch) => sum + batch.count, 0);
  const from = total * DRAIN_WINDOW.from;
  const to = total * DRAIN_WINDOW.to;
  let seen = 0;
  let start;
  let end;
  for (const batch of batches) {
    seen += batch.count;
    if (start === undefined && seen >= from) {
      start = { atMs: batch.atMs, seen };
    }
    if (seen >= to) {
      end = { atMs: batch.atMs, seen };
      break;
    }
  }
  if (!start || !end || end.atMs <= start.atMs) {
    return null;
  }
  return ((end.seen - start.seen) * 1000) / (end.atMs - start.atMs);
}

/** Batches of (time ms, count) bucketed into per-second rates for the chart. */
export function perSecond(batches) {
  const buckets = new Map();
  for (const batch of batches) {
    const second = Math.floor(batch.atMs / 1000);
    buckets.set(second, (buckets.get(second) ?? 0) + batch.count);
  }
  return [...buckets.entries()].map(([second, count]) => ({
    atMs: second * 1000 + 500,
    rate: count,
  }));
}
