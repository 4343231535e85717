import { Column, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from './bigint.transformer';
import { OrderItemEntity } from './order-item.entity';

@Entity({ name: 'orders' })
export class OrderEntity {
  /** Chosen by the gateway before the order reaches the queue; the idempotency key of storing. */
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'total_cents', type: 'bigint', transformer: bigintToNumber })
  totalCents: number;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt: Date;

  @Column({ name: 'stored_at', type: 'timestamptz', default: () => 'now()' })
  storedAt: Date;

  @Column({
    name: 'correlation_id',
    type: 'varchar',
    length: 128,
    nullable: true,
  })
  correlationId: string | null;

  /** The API client that placed the order; null for orders stored before clients were recorded. */
  @Column({ name: 'client_id', type: 'varchar', length: 64, nullable: true })
  clientId: string | null;

  @OneToMany(() => OrderItemEntity, (item) => item.order)
  items: OrderItemEntity[];
}
