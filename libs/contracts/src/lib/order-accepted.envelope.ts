import { Type } from 'class-transformer';
import { Equals, IsISO8601, IsUUID, ValidateNested } from 'class-validator';
import { CreateOrderDto } from './create-order.dto';

export const ORDER_ACCEPTED = 'order.accepted';
export const ORDER_ACCEPTED_VERSION = 1;

/** What the gateway puts on the queue and the processor accepts: version 1 of `order.accepted`. */
export class OrderAcceptedEnvelope {
  @Equals(ORDER_ACCEPTED)
  type: typeof ORDER_ACCEPTED;

  @Equals(ORDER_ACCEPTED_VERSION)
  version: typeof ORDER_ACCEPTED_VERSION;

  @IsUUID('all')
  orderId: string;

  @IsISO8601({ strict: true })
  acceptedAt: string;

  @ValidateNested()
  @Type(() => CreateOrderDto)
  order: CreateOrderDto;
}

export function buildOrderAcceptedEnvelope(
  orderId: string,
  acceptedAt: Date,
  order: CreateOrderDto,
): OrderAcceptedEnvelope {
  return {
    type: ORDER_ACCEPTED,
    version: ORDER_ACCEPTED_VERSION,
    orderId,
    acceptedAt: acceptedAt.toISOString(),
    order,
  };
}
