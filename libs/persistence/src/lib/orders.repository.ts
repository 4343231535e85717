import { escapeLiteral } from 'pg';
import { LazyDataSource } from './lazy-data-source';
import { firstPerOrderId, NewOrderRecord, totalCentsOf } from './new-order.record';
import { OrderEntity } from './order.entity';

export interface InsertOutcome {
  /** Orders written by this call; the others were already stored (a redelivery or a retried request). */
  inserted: string[];
}

/**
 * One statement: insert the orders, then the items of only those orders that were inserted. The
 * foreign key is checked at the end of the statement, when both inserts are done. The rows come as
 * one JSON literal, so any batch is one round trip whatever its size; ORDER BY gives two batches
 * sharing ids one lock order, so they wait for each other instead of deadlocking.
 */
const INSERT_ORDERS = (json: string) => `
  WITH incoming AS (
    SELECT * FROM json_to_recordset(${json}) AS incoming (order_id uuid, customer_id text,
      currency text, total_cents bigint, accepted_at timestamptz, correlation_id text,
      client_id text, items json)
  ),
  inserted AS (
    INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at, correlation_id, client_id)
    SELECT order_id, customer_id, currency, total_cents, accepted_at, correlation_id, client_id
    FROM incoming ORDER BY order_id
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id
  ),
  inserted_items AS (
    INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
    SELECT incoming.order_id, item.line_no - 1, item.sku, item.quantity, item.unit_price_cents
    FROM incoming JOIN inserted USING (order_id),
      ROWS FROM (json_to_recordset(incoming.items) AS (sku text, quantity integer, unit_price_cents bigint))
      WITH ORDINALITY AS item (sku, quantity, unit_price_cents, line_no)
  )
  SELECT order_id FROM inserted`;

export class OrdersRepository {
  constructor(private readonly database: LazyDataSource) {}

  /**
   * Writes the orders and their items atomically, in one round trip with the statement timeout.
   * `ON CONFLICT DO NOTHING` on the order id makes a redelivered order a no-op, even when two
   * replicas race with the same message, and only the orders inserted now get items.
   */
  async insertMany(records: NewOrderRecord[]): Promise<InsertOutcome> {
    // First copy wins.
    const rows = firstPerOrderId(records).map((record) => ({
      order_id: record.orderId,
      customer_id: record.customerId,
      currency: record.currency,
      total_cents: totalCentsOf(record),
      accepted_at: record.acceptedAt,
      correlation_id: record.correlationId,
      client_id: record.clientId ?? null,
      items: record.items.map((item) => ({
        sku: item.sku,
        quantity: item.quantity,
        unit_price_cents: item.unitPriceCents,
      })),
    }));
    // escapeLiteral quotes the whole document (an E'' string when it holds a backslash).
    const inserted = await this.database.inOneRoundTrip<{ order_id: string }>(
      INSERT_ORDERS(escapeLiteral(JSON.stringify(rows))),
    );
    return { inserted: inserted.map((row) => row.order_id) };
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
