import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

export class OrderItemDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'SKU-1234' })
  @IsString()
  @Length(1, 64)
  sku: string;

  @ApiProperty({ minimum: 1, maximum: 1000, example: 2 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity: number;

  /** Integer minor units (cents); floats never carry money. */
  @ApiProperty({
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
