/** Everything needed to write one order; built by the processor from a validated envelope. */
export interface NewOrderRecord {
  orderId: string;
  customerId: string;
  currency: string;
  acceptedAt: Date;
  correlationId: string | null;
  /** The API client that placed the order (the envelope's clientId); null when unknown. */
  clientId?: string | null;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
}

export function totalCentsOf(record: Pick<NewOrderRecord, 'items'>): number {
  return record.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}

/** One record per order id, the first copy of each (a Map keyed by id would keep the last). */
export function firstPerOrderId<T extends Pick<NewOrderRecord, 'orderId'>>(records: T[]): T[] {
  const seen = new Set<string>();
  return records.filter(
    (record) => !seen.has(record.orderId) && seen.add(record.orderId) !== undefined,
  );
}
