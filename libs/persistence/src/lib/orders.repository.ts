import { EntityManager } from 'typeorm';
import { LazyDataSource } from './lazy-data-source';
import { NewOrderRecord, totalCentsOf } from './new-order.record';
import { OrderItemEntity } from './order-item.entity';
import { OrderEntity } from './order.entity';

// Postgres accepts at most 65535 bind parameters per statement; items have 5 columns.
const ITEM_ROWS_PER_STATEMENT = 10_000;

export interface InsertOutcome {
  /** Orders written by this call. */
  inserted: string[];
  /** Orders that were already stored (a redelivery or a retried request): not written again. */
  alreadyStored: string[];
}

export class OrdersRepository {
  constructor(private readonly database: LazyDataSource) {}

  /**
   * Writes the orders and their items in one transaction with multi-row inserts.
   * `ON CONFLICT DO NOTHING` on the order id makes a redelivered order a no-op, even when two
   * replicas race with the same message.
   */
  async insertMany(records: NewOrderRecord[]): Promise<InsertOutcome> {
    // A stable lock order: two batches sharing ids then wait for each other instead of deadlocking.
    const sorted = [...records].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    const dataSource = await this.database.get();
    return dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .insert()
        .into(OrderEntity)
        .values(
          sorted.map((record) => ({
            orderId: record.orderId,
            customerId: record.customerId,
            currency: record.currency,
            totalCents: totalCentsOf(record),
            acceptedAt: record.acceptedAt,
            correlationId: record.correlationId,
          })),
        )
        .orIgnore()
        .returning('order_id')
        .updateEntity(false)
        .execute();
      const inserted = new Set((result.raw as { order_id: string }[]).map((row) => row.order_id));
      await this.insertItems(
        manager,
        sorted.filter((record) => inserted.has(record.orderId)),
      );
      return {
        inserted: sorted.filter((record) => inserted.has(record.orderId)).map((record) => record.orderId),
        alreadyStored: sorted.filter((record) => !inserted.has(record.orderId)).map((record) => record.orderId),
      };
    });
  }

  async findWithItems(orderId: string): Promise<OrderEntity | null> {
    const dataSource = await this.database.get();
    return dataSource.getRepository(OrderEntity).findOne({
      where: { orderId },
      relations: { items: true },
      order: { items: { lineNo: 'ASC' } },
    });
  }

  async ping(): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.query('SELECT 1');
  }

  private async insertItems(manager: EntityManager, records: NewOrderRecord[]): Promise<void> {
    const rows = records.flatMap((record) =>
      record.items.map((item, lineNo) => ({
        orderId: record.orderId,
        lineNo,
        sku: item.sku,
        quantity: item.quantity,
        unitPriceCents: item.unitPriceCents,
      })),
    );
    for (let start = 0; start < rows.length; start += ITEM_ROWS_PER_STATEMENT) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(OrderItemEntity)
        .values(rows.slice(start, start + ITEM_ROWS_PER_STATEMENT))
        .updateEntity(false)
        .execute();
    }
  }
}
