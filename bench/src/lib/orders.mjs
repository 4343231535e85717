import { randomUUID } from 'node:crypto';

/** The order every phase sends: valid under the contract, three lines, like a small real basket. */
export const SAMPLE_ORDER = {
  customerId: 'customer-42',
  currency: 'EUR',
  items: [
    { sku: 'SKU-1234', quantity: 2, unitPriceCents: 1999 },
    { sku: 'SKU-5678', quantity: 1, unitPriceCents: 4500 },
    { sku: 'SKU-9012', quantity: 3, unitPriceCents: 250 },
  ],
};

export const SAMPLE_ORDER_JSON = JSON.stringify(SAMPLE_ORDER);

/** A message as the gateway would put it on the queue (order.accepted v1), for pre-filling a backlog. */
export function acceptedOrderMessage() {
  return {
    MessageBody: JSON.stringify({
      type: 'order.accepted',
      version: 1,
      orderId: randomUUID(),
      acceptedAt: new Date().toISOString(),
      order: SAMPLE_ORDER,
    }),
    MessageAttributes: { 'correlation-id': { DataType: 'String', StringValue: randomUUID() } },
  };
}
