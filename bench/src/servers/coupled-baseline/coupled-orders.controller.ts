import { Body, Controller, Get, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { CreateOrderDto } from '@orders/contracts';
import { OrdersRepository } from '@orders/persistence';
import { randomUUID } from 'node:crypto';

@Controller()
export class CoupledOrdersController {
  constructor(private readonly repository: OrdersRepository) {}

  /** Answers only after the order is committed: the client waits for the database, and fails with it. */
  @Post('orders')
  @HttpCode(201)
  async create(@Body() order: CreateOrderDto): Promise<{ orderId: string; status: string }> {
    const orderId = randomUUID();
    try {
      await this.repository.insertMany([
        {
          orderId,
          customerId: order.customerId,
          currency: order.currency,
          acceptedAt: new Date(),
          correlationId: null,
          items: order.items,
        },
      ]);
    } catch {
      throw new ServiceUnavailableException('The order store is unavailable');
    }
    return { orderId, status: 'stored' };
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}
