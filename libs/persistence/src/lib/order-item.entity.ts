import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from './bigint.transformer';
import type { OrderEntity } from './order.entity';

@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** Position in the submitted order, so items read back in the order they were sent. */
  @PrimaryColumn({ name: 'line_no', type: 'smallint' })
  lineNo: number;

  @Column({ type: 'varchar', length: 64 })
  sku: string;

  @Column({ type: 'integer' })
  quantity: number;

  @Column({
    name: 'unit_price_cents',
    type: 'bigint',
    transformer: bigintToNumber,
  })
  unitPriceCents: number;

  @ManyToOne('OrderEntity', 'items', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order: OrderEntity;
}
