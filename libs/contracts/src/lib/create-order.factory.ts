import { CreateOrderDto } from './create-order.dto';
import { OrderAcceptedEnvelope } from './order-accepted.envelope';
import { OrderItemDto } from './order-item.dto';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Turns a parsed JSON body into DTO instances for class-validator, like class-transformer's
 * plainToInstance but without its generic machinery, which cost more than the validation itself
 * on the gateway's hot path. Values are not converted: a "2" stays a string and fails @IsInt.
 * The JSON parser has already refused `__proto__` and `constructor` keys.
 */
export function toCreateOrderDto(body: Record<string, unknown>): CreateOrderDto {
  const order = Object.assign(new CreateOrderDto(), body);
  const toItem = (item: unknown) =>
    isPlainObject(item) ? Object.assign(new OrderItemDto(), item) : item;
  if (Array.isArray(order.items)) {
    order.items = order.items.map(toItem) as OrderItemDto[];
  } else if (isPlainObject(order.items)) {
    // As class-transformer does, so the error names the same fields.
    order.items = toItem(order.items) as unknown as OrderItemDto[];
  }
  return order;
}

/** The same for a queue message: the envelope with its order as DTO instances. */
export function toOrderAcceptedEnvelope(body: Record<string, unknown>): OrderAcceptedEnvelope {
  const envelope = Object.assign(new OrderAcceptedEnvelope(), body);
  if (isPlainObject(envelope.order)) {
    envelope.order = toCreateOrderDto(envelope.order as unknown as Record<string, unknown>);
  }
  return envelope;
}
