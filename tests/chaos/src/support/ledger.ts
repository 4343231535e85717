import { Pool } from 'pg';

export interface Accepted {
  marker: string;
  orderId: string;
}

export interface Ledger {
  /** Distinct orders of the scenario in the database. */
  stored: number;
  /** Extra copies of anything: rows per order id > 1, a request stored under two ids, one id answered for two requests. */
  duplicates: number;
  /** Accepted orders not stored under the id the client was given. */
  lost: string[];
  /** Stored orders that no client was told were accepted (e.g. after a timeout): not an error, but counted. */
  storedNotAccepted: number;
  /** Order rows without their items: a torn write. */
  torn: number;
}

/**
 * Compares what clients were told (202 + orderId per request marker) with what PostgreSQL holds.
 * The primary key makes a second row per id impossible, so duplicates are also looked for where a
 * key cannot see them: the same request stored under two ids, or two requests answered with one id.
 */
export async function reconcile(
  pool: Pool,
  customerId: string,
  accepted: Accepted[],
): Promise<Ledger> {
  const { rows } = await pool.query<{ order_id: string; sku: string | null; copies: number }>(
    `SELECT o.order_id::text AS order_id, i.sku, count(*) OVER (PARTITION BY o.order_id)::int AS copies
       FROM orders o LEFT JOIN order_items i ON i.order_id = o.order_id AND i.line_no = 0
      WHERE o.customer_id = $1`,
    [customerId],
  );
  const storedIdsByMarker = new Map<string, Set<string>>();
  const storedMarkerById = new Map<string, string | null>();
  let duplicates = 0;
  let torn = 0;
  for (const row of rows) {
    if (row.copies > 1 && storedMarkerById.has(row.order_id)) {
      duplicates += 1;
    }
    storedMarkerById.set(row.order_id, row.sku);
    if (row.sku === null) {
      torn += 1;
      continue;
    }
    storedIdsByMarker.set(row.sku, (storedIdsByMarker.get(row.sku) ?? new Set()).add(row.order_id));
  }
  for (const ids of storedIdsByMarker.values()) {
    duplicates += ids.size - 1;
  }

  const acceptedIdsByMarker = new Map<string, Set<string>>();
  const acceptedMarkersById = new Map<string, Set<string>>();
  for (const { marker, orderId } of accepted) {
    acceptedIdsByMarker.set(marker, (acceptedIdsByMarker.get(marker) ?? new Set()).add(orderId));
    acceptedMarkersById.set(orderId, (acceptedMarkersById.get(orderId) ?? new Set()).add(marker));
  }
  for (const markers of acceptedMarkersById.values()) {
    duplicates += markers.size - 1;
  }
  for (const ids of acceptedIdsByMarker.values()) {
    duplicates += ids.size - 1;
  }

  const lost = [...acceptedIdsByMarker.entries()]
    .filter(([marker, ids]) => [...ids].some((orderId) => storedMarkerById.get(orderId) !== marker))
    .map(([marker]) => marker);
  const storedNotAccepted = [...storedIdsByMarker.keys()].filter(
    (marker) => !acceptedIdsByMarker.has(marker),
  ).length;
  return { stored: storedMarkerById.size, duplicates, lost, storedNotAccepted, torn };
}
