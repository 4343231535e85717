import { Injectable } from '@nestjs/common';
import {
  asciiJson,
  buildOrderAcceptedEnvelope,
  CreateOrderDto,
  isValidRequestHeader,
  MessageAttribute,
  OrderAcceptedView,
  REQUEST_HEADERS,
  StoredOrderView,
} from '@orders/contracts';
import { stringAttribute } from '@orders/messaging';
import type { OrderEntity } from '@orders/persistence';
import { isUUID } from 'class-validator';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { RequestContext } from '../request/request-context';
import { orderIdForIdempotencyKey, uuidv7 } from './order-id';
import { OrderPublisher } from './order-publisher';
import { OrderStore } from './order-store';
import { OrdersErrorCode, OrdersException } from './orders.exception';

@Injectable()
export class OrdersService {
  constructor(
    private readonly publisher: OrderPublisher,
    private readonly store: OrderStore,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Puts a validated order on the queue; resolves only once SQS holds it. Never touches the database. */
  async accept(order: CreateOrderDto, context: RequestContext): Promise<OrderAcceptedView> {
    const orderId = this.orderIdFor(context);
    const envelope = buildOrderAcceptedEnvelope(orderId, new Date(), order, context.clientId);
    try {
      await this.publisher.publish({
        // ASCII-only JSON: every queue takes it, whatever characters the order holds.
        body: asciiJson(envelope),
        attributes: {
          [MessageAttribute.CorrelationId]: stringAttribute(context.correlationId),
          ...(context.idempotencyKey
            ? { [MessageAttribute.IdempotencyKey]: stringAttribute(context.idempotencyKey) }
            : {}),
        },
      });
    } catch (error) {
      // The client can only check an order whose id it was told.
      if (error instanceof OrdersException && error.code === OrdersErrorCode.OutcomeUnknown) {
        throw new OrdersException(error.code, error.message, error.cause, orderId);
      }
      throw error;
    }
    this.metrics.ordersAccepted.inc();
    return { orderId, status: 'accepted' };
  }

  /** Only the client that placed an order can read it; to any other it is unknown (404). */
  async find(orderId: string, context: RequestContext): Promise<StoredOrderView> {
    if (!isUUID(orderId)) {
      throw new OrdersException(
        OrdersErrorCode.InvalidOrderId,
        `orderId must be a UUID, got "${orderId.slice(0, 64)}"`,
      );
    }
    let stored: OrderEntity | null;
    try {
      stored = await this.store.findWithItems(orderId.toLowerCase(), context.clientId);
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
    if (!isValidRequestHeader('idempotencyKey', context.idempotencyKey)) {
      throw new OrdersException(
        OrdersErrorCode.InvalidIdempotencyKey,
        `Idempotency-Key must be ${REQUEST_HEADERS.idempotencyKey.rule}`,
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
