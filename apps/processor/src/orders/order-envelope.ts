import {
  CLIENT_ID_MAX_LENGTH,
  CONTRACT_VALIDATION,
  CUSTOMER_ID_MAX_LENGTH,
  describeValidationErrors,
  MAX_ITEMS_PER_ORDER,
  ORDER_ACCEPTED,
  ORDER_ACCEPTED_VERSION,
  OrderAcceptedEnvelope,
  SKU_MAX_LENGTH,
  storableTextProblem,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import type { NewOrderRecord } from '@orders/persistence';
import { isISO4217CurrencyCode, isISO8601, isUUID, validateSync } from 'class-validator';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { correlationIdOf, ReceivedMessage } from '../messages/received-message';

/**
 * The one place an order message becomes a row: the envelope is checked against the contract's
 * class-validator rules (the gateway's CreateOrderDto inside it), then mapped to what is inserted.
 * Synchronous and without class-transformer, which was the largest cost per message.
 */
export function toOrderRecord({
  body,
  message,
}: ReceivedMessage): NewOrderRecord | ProcessingException {
  if (isValidEnvelope(body)) {
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

const ENVELOPE_KEYS = new Set(['type', 'version', 'orderId', 'clientId', 'acceptedAt', 'order']);
const ORDER_KEYS = new Set(['customerId', 'currency', 'items']);
const ITEM_KEYS = new Set(['sku', 'quantity', 'unitPriceCents']);

/**
 * The contract's class-validator rules written out, with the checks class-validator itself calls,
 * at a fraction of the cost of its metadata walk. It only ever answers "valid": whatever it does
 * not accept goes through class-validator, which decides and names the failing fields. A spec
 * holds it to the DTOs' decorators, so a changed rule cannot slip past it.
 */
export function isValidEnvelope(
  body: Record<string, unknown>,
): body is Record<string, unknown> & OrderAcceptedEnvelope {
  const { order } = body;
  return (
    onlyKeys(body, ENVELOPE_KEYS) &&
    body.type === ORDER_ACCEPTED &&
    body.version === ORDER_ACCEPTED_VERSION &&
    isUUID(body.orderId, 'all') &&
    // @IsOptional: null and undefined skip the other rules.
    (body.clientId === undefined ||
      body.clientId === null ||
      isStorable(body.clientId, CLIENT_ID_MAX_LENGTH)) &&
    isISO8601(body.acceptedAt, { strict: true }) &&
    isPlainObject(order) &&
    onlyKeys(order, ORDER_KEYS) &&
    isStorable(order.customerId, CUSTOMER_ID_MAX_LENGTH) &&
    typeof order.currency === 'string' &&
    /^[A-Z]{3}$/.test(order.currency) &&
    isISO4217CurrencyCode(order.currency) &&
    Array.isArray(order.items) &&
    order.items.length >= 1 &&
    order.items.length <= MAX_ITEMS_PER_ORDER &&
    order.items.every(
      (item: unknown) =>
        isPlainObject(item) &&
        onlyKeys(item, ITEM_KEYS) &&
        isStorable(item.sku, SKU_MAX_LENGTH) &&
        isIntegerWithin(item.quantity, 1, 1000) &&
        isIntegerWithin(item.unitPriceCents, 0, 100_000_000),
    )
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: Set<string>): boolean {
  return Object.keys(value).every((key) => allowed.has(key));
}

function isStorable(value: unknown, maxLength: number): boolean {
  return typeof value === 'string' && storableTextProblem(value, 1, maxLength) === undefined;
}

function isIntegerWithin(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
