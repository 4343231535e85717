import { ApiProperty } from '@nestjs/swagger';
import { CurrencyCodes } from 'validator/lib/isISO4217';
import { MAX_ITEMS_PER_ORDER } from './create-order.dto';
import { OrderItemDto } from './order-item.dto';
import { STORABLE_TEXT_PATTERN } from './storable-text';
import { CUSTOMER_ID_MAX_LENGTH } from './stored-columns';

// The largest total the contract admits: every item at its maximum quantity and price.
const MAX_TOTAL_CENTS = MAX_ITEMS_PER_ORDER * 1000 * 100_000_000;

export class StoredOrderView {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  orderId: string;

  @ApiProperty({ minLength: 1, maxLength: CUSTOMER_ID_MAX_LENGTH, pattern: STORABLE_TEXT_PATTERN })
  customerId: string;

  @ApiProperty({ enum: [...CurrencyCodes].sort(), maxLength: 3, example: 'USD' })
  currency: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_ITEMS_PER_ORDER })
  items: OrderItemDto[];

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: MAX_TOTAL_CENTS,
    description: 'Sum of quantity × unitPriceCents, in minor units',
  })
  totalCents: number;

  @ApiProperty({ enum: ['stored'], maxLength: 6 })
  status: 'stored';

  @ApiProperty({ format: 'date-time', maxLength: 32 })
  acceptedAt: string;

  @ApiProperty({ format: 'date-time', maxLength: 32 })
  storedAt: string;
}
