import {
  CONTRACT_VALIDATION,
  describeValidationErrors,
  isValidOrderAcceptedEnvelope,
  OrderAcceptedEnvelope,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import type { NewOrderRecord } from '@orders/persistence';
import { validateSync } from 'class-validator';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { correlationIdOf, ReceivedMessage } from '../messages/received-message';

/**
 * The one place an order message becomes a row: the envelope is checked against the contract's
 * class-validator rules (the gateway's CreateOrderDto inside it), then mapped to what is inserted.
 * Synchronous and without class-transformer, which was the largest cost per message; an envelope
 * the contract's fast check accepts skips class-validator's metadata walk.
 */
export function toOrderRecord({
  body,
  message,
}: ReceivedMessage): NewOrderRecord | ProcessingException {
  if (isValidOrderAcceptedEnvelope(body)) {
    return toRecord(body, message);
  }
  const envelope = toOrderAcceptedEnvelope(body);
  const errors = validateSync(envelope, CONTRACT_VALIDATION);
  if (errors.length > 0) {
    const fields = describeValidationErrors(errors);
    return new ProcessingException(
      ProcessingErrorCode.InvalidEnvelope,
      `Invalid order envelope: ${fields.map((field) => field.field).join(', ')}`,
      fields,
    );
  }
  return toRecord(envelope, message);
}

function toRecord(
  envelope: OrderAcceptedEnvelope,
  message: ReceivedMessage['message'],
): NewOrderRecord {
  return {
    orderId: envelope.orderId.toLowerCase(),
    customerId: envelope.order.customerId,
    currency: envelope.order.currency,
    acceptedAt: new Date(envelope.acceptedAt),
    correlationId: correlationIdOf(message) ?? null,
    // Who placed the order; GET /orders/:id answers only that client.
    clientId: envelope.clientId ?? null,
    items: envelope.order.items,
  };
}
