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
  const bind = (value: unknown) => `$${params.push(value)}`;
  const clauses = [`r.dlq_name = ${bind(dlqName)}`];
  if (filter.ids !== undefined) {
    clauses.push(`r.id = ANY(${bind(filter.ids)}::bigint[])`);
  }
  clauses.push(`r.state = ANY(${bind(filter.states ?? OPEN_STATES)}::text[])`);
  if (filter.code !== undefined) {
    clauses.push(`r.failure_code = ${bind(filter.code)}`);
  }
  if (filter.client !== undefined) {
    clauses.push(`r.client_id = ${bind(filter.client)}`);
  }
  if (filter.customer !== undefined) {
    clauses.push(`r.customer_id = ${bind(filter.customer)}`);
  }
  if (filter.order !== undefined) {
    const order = bind(filter.order);
    clauses.push(
      `(lower(r.order_id) = lower(${order}) OR EXISTS (SELECT 1 FROM dlq_letters l WHERE l.record_id = r.id AND l.message_id = ${order}))`,
    );
  }
  if (filter.since !== undefined) {
    clauses.push(`r.last_failed_at >= ${bind(filter.since)}`);
  }
  if (filter.until !== undefined) {
    clauses.push(`r.last_failed_at <= ${bind(filter.until)}`);
  }
  if (filter.text !== undefined) {
    clauses.push(`strpos(lower(r.body), lower(${bind(filter.text)})) > 0`);
  }
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
