import { Injectable } from '@nestjs/common';
import {
  buildOrderAcceptedEnvelope,
  CreateOrderDto,
  MessageAttribute,
  OrderAcceptedView,
  StoredOrderView,
} from '@orders/contracts';
import { stringAttribute } from '@orders/messaging';
import { OrderEntity, OrdersRepository } from '@orders/persistence';
import { isUUID } from 'class-validator';
import { GatewayMetrics } from '../http/gateway.metrics';
import { RequestContext } from '../http/request-context';
import { orderIdForIdempotencyKey, uuidv7 } from './order-id';
import { OrderPublisher } from './order-publisher';
import { OrdersErrorCode, OrdersException } from './orders.exception';

// Printable ASCII, as the Idempotency-Key draft's examples; long enough for a UUID or a hash.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Injectable()
export class OrdersService {
  constructor(
    private readonly publisher: OrderPublisher,
    private readonly repository: OrdersRepository,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Puts a validated order on the queue; resolves only once SQS holds it. Never touches the database. */
  async accept(order: CreateOrderDto, context: RequestContext): Promise<OrderAcceptedView> {
    const orderId = this.orderIdFor(context);
    const envelope = buildOrderAcceptedEnvelope(orderId, new Date(), order);
    await this.publisher.publish({
      body: JSON.stringify(envelope),
      attributes: {
        [MessageAttribute.CorrelationId]: stringAttribute(context.correlationId),
        ...(context.idempotencyKey
          ? { [MessageAttribute.IdempotencyKey]: stringAttribute(context.idempotencyKey) }
          : {}),
      },
    });
    this.metrics.ordersAccepted.inc();
    return { orderId, status: 'accepted' };
  }

  async find(orderId: string): Promise<StoredOrderView> {
    if (!isUUID(orderId)) {
      throw new OrdersException(
        OrdersErrorCode.InvalidOrderId,
        `orderId must be a UUID, got "${orderId.slice(0, 64)}"`,
      );
    }
    let stored: OrderEntity | null;
    try {
      stored = await this.repository.findWithItems(orderId.toLowerCase());
    } catch (error) {
      throw new OrdersException(
        OrdersErrorCode.DatabaseUnavailable,
        'The order store is unavailable',
        error,
      );
    }
    if (!stored) {
      throw new OrdersException(
        OrdersErrorCode.OrderNotFound,
        `Order ${orderId} is not stored (yet): unknown, or still on its way`,
      );
    }
    return toView(stored);
  }

  private orderIdFor(context: RequestContext): string {
    if (context.idempotencyKey === undefined) {
      return uuidv7();
    }
    if (!IDEMPOTENCY_KEY.test(context.idempotencyKey)) {
      throw new OrdersException(
        OrdersErrorCode.InvalidIdempotencyKey,
        'Idempotency-Key must be 1..255 printable ASCII characters',
      );
    }
    return orderIdForIdempotencyKey(context.clientId, context.idempotencyKey);
  }
}

function toView(order: OrderEntity): StoredOrderView {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    currency: order.currency,
    items: order.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
    })),
    totalCents: order.totalCents,
    status: 'stored',
    acceptedAt: order.acceptedAt.toISOString(),
    storedAt: order.storedAt.toISOString(),
  };
}
