import { Type } from 'class-transformer';
import { Equals, IsISO8601, IsOptional, IsUUID, ValidateNested } from 'class-validator';
import { CreateOrderDto } from './create-order.dto';
import { IsStorableText } from './storable-text';
import { CLIENT_ID_MAX_LENGTH } from './stored-columns';

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

  // The API client that placed the order; absent only in envelopes of gateways older than it.
  @IsOptional()
  @IsStorableText(1, CLIENT_ID_MAX_LENGTH)
  clientId?: string;

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
  clientId?: string,
): OrderAcceptedEnvelope {
  return {
    type: ORDER_ACCEPTED,
    version: ORDER_ACCEPTED_VERSION,
    orderId,
    ...(clientId === undefined ? {} : { clientId }),
    acceptedAt: acceptedAt.toISOString(),
    order,
  };
}
