import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO4217CurrencyCode,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { OrderItemDto } from './order-item.dto';

export const MAX_ITEMS_PER_ORDER = 100;

export class CreateOrderDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'customer-42' })
  @IsString()
  @Length(1, 64)
  customerId: string;

  @ApiProperty({ description: 'ISO 4217 currency code', example: 'USD' })
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
