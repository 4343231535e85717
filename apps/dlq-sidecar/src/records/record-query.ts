import { OPEN_STATES, RecordFilter } from './record';

/** Column list of FailedOrderRecord, for every query that returns records. */
export const RECORD_COLUMNS = `r.id::text AS id, r.state, r.failure_code AS "failureCode",
  r.failure_reason AS "failureReason", r.order_id AS "orderId", r.client_id AS "clientId",
  r.customer_id AS "customerId", r.attempts, r.first_failed_at AS "firstFailedAt",
  r.last_failed_at AS "lastFailedAt", r.recorded_at AS "recordedAt", r.updated_at AS "updatedAt",
  r.discarded_at AS "discardedAt"`;

/** A text order id as the uuid `orders` is keyed by, or NULL: never a cast error. */
export const ORDER_UUID = `CASE WHEN r.order_id ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN r.order_id::uuid END`;

/**
 * The WHERE clause of a filter over `dlq_records r`, with its parameters appended to `params`.
 * Every value is a bound parameter; nothing from the filter is spliced into the SQL.
 */
export function whereOf(dlqName: string, filter: RecordFilter, params: unknown[]): string {
  const clauses: string[] = [];
  // The clause with its value bound, when the filter has one.
  const where = (value: unknown, clause: (param: string) => string) => {
    if (value !== undefined) {
      clauses.push(clause(`$${params.push(value)}`));
    }
  };
  where(dlqName, (name) => `r.dlq_name = ${name}`);
  where(filter.ids, (ids) => `r.id = ANY(${ids}::bigint[])`);
  where(filter.states ?? OPEN_STATES, (states) => `r.state = ANY(${states}::text[])`);
  where(filter.code, (code) => `r.failure_code = ${code}`);
  where(filter.client, (client) => `r.client_id = ${client}`);
  where(filter.customer, (customer) => `r.customer_id = ${customer}`);
  where(
    filter.order,
    (order) =>
      `(lower(r.order_id) = lower(${order}) OR EXISTS (SELECT 1 FROM dlq_letters l WHERE l.record_id = r.id AND l.message_id = ${order}))`,
  );
  where(filter.since, (since) => `r.last_failed_at >= ${since}`);
  where(filter.until, (until) => `r.last_failed_at <= ${until}`);
  where(filter.text, (text) => `strpos(lower(r.body), lower(${text})) > 0`);
  return clauses.join(' AND ');
}

export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** TypeORM answers an UPDATE or DELETE with [rows, count]: this returns the rows of any statement. */
export async function rowsOf<Row>(
  runner: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const result = await runner.query(sql, params);
  const updated =
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number';
  return (updated ? result[0] : result) as Row[];
}
