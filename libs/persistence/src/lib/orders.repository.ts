import { EntityManager } from 'typeorm';
import { LazyDataSource } from './lazy-data-source';
import { firstPerOrderId, NewOrderRecord, totalCentsOf } from './new-order.record';
import { OrderEntity } from './order.entity';

// Postgres accepts at most 65535 bind parameters per statement.
const MAX_PARAMETERS = 60_000;
const ORDER_COLUMNS = 7;
const ITEM_COLUMNS = 5;

export interface InsertOutcome {
  /** Orders written by this call; the others were already stored (a redelivery or a retried request). */
  inserted: string[];
}

export class OrdersRepository {
  constructor(private readonly database: LazyDataSource) {}

  /**
   * Writes the orders and their items atomically. `ON CONFLICT DO NOTHING` on the order id makes a
   * redelivered order a no-op, even when two replicas race with the same message, and only the
   * orders inserted now get items. Usually one statement; a batch too large for one statement's
   * parameters is split into several. Always inside a transaction: that is where the statement
   * timeout is set (SET LOCAL), the only scope a transaction-mode pooler keeps.
   */
  async insertMany(records: NewOrderRecord[]): Promise<InsertOutcome> {
    // First copy wins; a stable lock order lets two batches sharing ids wait instead of deadlocking.
    const unique = firstPerOrderId(records).sort((a, b) =>
      a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0,
    );
    const chunks = chunkByParameters(unique);
    const inserted = new Set<string>();
    const write = async (manager: EntityManager) => {
      for (const chunk of chunks) {
        const [sql, parameters] = insertStatement(chunk);
        const rows = (await manager.query(sql, parameters)) as {
          order_id: string;
        }[];
        rows.forEach((row) => inserted.add(row.order_id));
      }
    };
    await this.database.transaction(write);
    return { inserted: [...inserted] };
  }

  /** The order only if `clientId` placed it: another client's order reads as absent. */
  async findWithItems(orderId: string, clientId: string): Promise<OrderEntity | null> {
    const dataSource = await this.database.get();
    return dataSource.getRepository(OrderEntity).findOne({
      where: { orderId, clientId },
      relations: { items: true },
      order: { items: { lineNo: 'ASC' } },
    });
  }

  async ping(): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.query('SELECT 1');
  }
}

function chunkByParameters(records: NewOrderRecord[]): NewOrderRecord[][] {
  const chunks: NewOrderRecord[][] = [];
  let current: NewOrderRecord[] = [];
  let parameters = 0;
  for (const record of records) {
    const needed = ORDER_COLUMNS + record.items.length * ITEM_COLUMNS;
    if (current.length > 0 && parameters + needed > MAX_PARAMETERS) {
      chunks.push(current);
      current = [];
      parameters = 0;
    }
    current.push(record);
    parameters += needed;
  }
  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks;
}

/**
 * One statement: insert the orders, then the items of only those orders that were inserted.
 * The foreign key is checked at the end of the statement, when both inserts are done.
 */
function insertStatement(records: NewOrderRecord[]): [string, unknown[]] {
  const parameters: unknown[] = [];
  const placeholder = (value: unknown, cast = '') => {
    parameters.push(value);
    return `$${parameters.length}${cast}`;
  };
  const orders = records
    .map(
      (record) =>
        `(${placeholder(record.orderId, '::uuid')}, ${placeholder(record.customerId)}, ${placeholder(record.currency)}, ` +
        `${placeholder(totalCentsOf(record), '::bigint')}, ${placeholder(record.acceptedAt, '::timestamptz')}, ${placeholder(record.correlationId)}, ` +
        `${placeholder(record.clientId ?? null, '::varchar')})`,
    )
    .join(', ');
  const items = records
    .flatMap((record) =>
      record.items.map(
        (item, lineNo) =>
          `(${placeholder(record.orderId, '::uuid')}, ${placeholder(lineNo, '::smallint')}, ${placeholder(item.sku)}, ` +
          `${placeholder(item.quantity, '::integer')}, ${placeholder(item.unitPriceCents, '::bigint')})`,
      ),
    )
    .join(', ');
  const sql = `
    WITH incoming (order_id, customer_id, currency, total_cents, accepted_at, correlation_id, client_id) AS (VALUES ${orders}),
    inserted AS (
      INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at, correlation_id, client_id)
      SELECT order_id, customer_id, currency, total_cents, accepted_at, correlation_id, client_id FROM incoming ORDER BY order_id
      ON CONFLICT (order_id) DO NOTHING
      RETURNING order_id
    )${
      items
        ? `,
    incoming_items (order_id, line_no, sku, quantity, unit_price_cents) AS (VALUES ${items}),
    inserted_items AS (
      INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
      SELECT incoming_items.* FROM incoming_items JOIN inserted USING (order_id)
    )`
        : ''
    }
    SELECT order_id FROM inserted`;
  return [sql, parameters];
}
