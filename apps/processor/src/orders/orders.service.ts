import { Injectable } from '@nestjs/common';
import { OrderAcceptedEnvelope } from '@orders/contracts';
import { SqsMessageContext } from '../consumer/sqs-message.context';
import { ProcessorMetrics } from '../health/processor.metrics';
import { OrderWriter } from './order-writer';

export type StoreOutcome = 'stored' | 'duplicate';

@Injectable()
export class OrdersService {
  constructor(
    private readonly writer: OrderWriter,
    private readonly metrics: ProcessorMetrics,
  ) {}

  /** Resolves once the order is committed (or was already stored); rejects with a ProcessingException. */
  async store(envelope: OrderAcceptedEnvelope, context: SqsMessageContext): Promise<StoreOutcome> {
    const outcome = await this.writer.write({
      orderId: envelope.orderId.toLowerCase(),
      customerId: envelope.order.customerId,
      currency: envelope.order.currency,
      acceptedAt: new Date(envelope.acceptedAt),
      correlationId: context.correlationId ?? null,
      // Who placed the order; GET /orders/:id answers only that client.
      clientId: envelope.clientId ?? null,
      items: envelope.order.items,
    });
    if (outcome === 'stored') {
      this.metrics.stored.inc();
      this.metrics.endToEndSeconds.observe((Date.now() - Date.parse(envelope.acceptedAt)) / 1000);
    } else {
      this.metrics.duplicates.inc();
    }
    return outcome;
  }
}
