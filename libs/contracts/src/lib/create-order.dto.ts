import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO4217CurrencyCode,
  Matches,
  ValidateNested,
} from 'class-validator';
import { CurrencyCodes } from 'validator/lib/isISO4217';
import { OrderItemDto } from './order-item.dto';
import { IsStorableText, STORABLE_TEXT_PATTERN, STORABLE_TEXT_RULE } from './storable-text';
import { CUSTOMER_ID_MAX_LENGTH } from './stored-columns';

export const MAX_ITEMS_PER_ORDER = 100;

export class CreateOrderDto {
  @ApiProperty({
    minLength: 1,
    maxLength: CUSTOMER_ID_MAX_LENGTH,
    pattern: STORABLE_TEXT_PATTERN,
    description: `Lengths in Unicode code points; ${STORABLE_TEXT_RULE}`,
    example: 'customer-42',
  })
  @IsStorableText(1, CUSTOMER_ID_MAX_LENGTH)
  customerId: string;

  @ApiProperty({
    description: 'ISO 4217 currency code',
    enum: [...CurrencyCodes].sort(),
    example: 'USD',
  })
  // Upper case only, as ISO 4217 writes them; the validator alone also accepts "usd".
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be three upper-case letters (ISO 4217)' })
  @IsISO4217CurrencyCode()
  currency: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_ITEMS_PER_ORDER })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS_PER_ORDER)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items: OrderItemDto[];
}
