import { ApiProperty } from '@nestjs/swagger';

export class OrderAcceptedView {
  @ApiProperty({
    format: 'uuid',
    maxLength: 36,
    example: '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
  })
  orderId: string;

  @ApiProperty({ enum: ['accepted'], maxLength: 8 })
  status: 'accepted';
}
