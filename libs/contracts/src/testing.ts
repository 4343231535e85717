import { randomUUID } from 'node:crypto';
import { CreateOrderDto } from './lib/create-order.dto';
import { buildOrderAcceptedEnvelope, OrderAcceptedEnvelope } from './lib/order-accepted.envelope';

/**
 * The one place specs, test tiers and tools build an order and its queue envelope
 * (`@orders/contracts/testing`; production code never imports it): valid by default, overrides
 * for what a spec is about.
 */
export const orderFactory = {
  order(overrides: Partial<CreateOrderDto> = {}): CreateOrderDto {
    return {
      customerId: 'customer-1',
      currency: 'EUR',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
      ...overrides,
    };
  },

  envelope(
    overrides: {
      orderId?: string;
      acceptedAt?: Date;
      clientId?: string;
      order?: Partial<CreateOrderDto>;
    } = {},
  ): OrderAcceptedEnvelope {
    return buildOrderAcceptedEnvelope(
      overrides.orderId ?? randomUUID(),
      overrides.acceptedAt ?? new Date(),
      orderFactory.order(overrides.order),
      overrides.clientId,
    );
  },
};
