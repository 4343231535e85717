import { isISO4217CurrencyCode, isISO8601, isUUID } from 'class-validator';
import { MAX_ITEMS_PER_ORDER } from './create-order.dto';
import {
  ORDER_ACCEPTED,
  ORDER_ACCEPTED_VERSION,
  OrderAcceptedEnvelope,
} from './order-accepted.envelope';
import { storableTextProblem } from './storable-text';
import { CLIENT_ID_MAX_LENGTH, CUSTOMER_ID_MAX_LENGTH, SKU_MAX_LENGTH } from './stored-columns';
import type { CreateOrderDto } from './create-order.dto';

// The contract's class-validator rules written out once more, with the checks class-validator
// itself calls, at a fraction of the cost of its metadata walk (a tenth of the gateway's CPU per
// order). Both functions only ever answer "valid": whatever they do not accept goes through
// class-validator with CONTRACT_VALIDATION, which decides and names the failing fields. The spec
// holds them to the DTOs' decorators (a changed rule fails it) and to class-validator's verdicts.

const ENVELOPE_KEYS = new Set(['type', 'version', 'orderId', 'clientId', 'acceptedAt', 'order']);
const ORDER_KEYS = new Set(['customerId', 'currency', 'items']);
const ITEM_KEYS = new Set(['sku', 'quantity', 'unitPriceCents']);

/** True only if class-validator would accept `body` as a CreateOrderDto. */
export function isValidOrder(body: unknown): body is CreateOrderDto {
  return (
    isPlainObject(body) &&
    onlyKeys(body, ORDER_KEYS) &&
    isStorable(body.customerId, CUSTOMER_ID_MAX_LENGTH) &&
    typeof body.currency === 'string' &&
    /^[A-Z]{3}$/.test(body.currency) &&
    isISO4217CurrencyCode(body.currency) &&
    Array.isArray(body.items) &&
    body.items.length >= 1 &&
    body.items.length <= MAX_ITEMS_PER_ORDER &&
    body.items.every(
      (item: unknown) =>
        isPlainObject(item) &&
        onlyKeys(item, ITEM_KEYS) &&
        isStorable(item.sku, SKU_MAX_LENGTH) &&
        isIntegerWithin(item.quantity, 1, 1000) &&
        isIntegerWithin(item.unitPriceCents, 0, 100_000_000),
    )
  );
}

/** True only if class-validator would accept `body` as an OrderAcceptedEnvelope. */
export function isValidOrderAcceptedEnvelope(
  body: Record<string, unknown>,
): body is Record<string, unknown> & OrderAcceptedEnvelope {
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
    isValidOrder(body.order)
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
