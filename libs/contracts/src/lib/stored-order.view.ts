import { ApiProperty } from '@nestjs/swagger';
import { OrderItemDto } from './order-item.dto';

export class StoredOrderView {
  @ApiProperty({ format: 'uuid' })
  orderId: string;

  @ApiProperty()
  customerId: string;

  @ApiProperty({ example: 'USD' })
  currency: string;

  @ApiProperty({ type: [OrderItemDto] })
  items: OrderItemDto[];

  @ApiProperty({ description: 'Sum of quantity × unitPriceCents, in minor units' })
  totalCents: number;

  @ApiProperty({ enum: ['stored'] })
  status: 'stored';

  @ApiProperty({ format: 'date-time' })
  acceptedAt: string;

  @ApiProperty({ format: 'date-time' })
  storedAt: string;
}
