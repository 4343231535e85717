import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO4217CurrencyCode,
  IsString,
  Length,
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
