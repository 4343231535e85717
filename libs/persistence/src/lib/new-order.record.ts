/** Everything needed to write one order; built by the processor from a validated envelope. */
export interface NewOrderRecord {
  orderId: string;
  customerId: string;
  currency: string;
  acceptedAt: Date;
  correlationId: string | null;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
}

export function totalCentsOf(record: Pick<NewOrderRecord, 'items'>): number {
  return record.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}
