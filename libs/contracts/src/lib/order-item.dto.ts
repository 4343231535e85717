import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsStorableText, STORABLE_TEXT_PATTERN, STORABLE_TEXT_RULE } from './storable-text';
import { SKU_MAX_LENGTH } from './stored-columns';

export class OrderItemDto {
  @ApiProperty({
    minLength: 1,
    maxLength: SKU_MAX_LENGTH,
    pattern: STORABLE_TEXT_PATTERN,
    description: `Lengths in Unicode code points; ${STORABLE_TEXT_RULE}`,
    example: 'SKU-1234',
  })
  @IsStorableText(1, SKU_MAX_LENGTH)
  sku: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 1000, example: 2 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity: number;

  /** Integer minor units (cents); floats never carry money. */
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 100_000_000,
    example: 1999,
    description: 'Price of one unit in minor units',
  })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  unitPriceCents: number;
}
