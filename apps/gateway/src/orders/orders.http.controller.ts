import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CreateOrderDto, OrderAcceptedView, StoredOrderView } from '@orders/contracts';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Context, RequestContext } from '../http/request-context';
import { ApiOrderErrors } from './orders.openapi';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(ApiKeyGuard)
@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(202)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retries with the same key get the same orderId and one stored order',
  })
  @ApiAcceptedResponse({
    type: OrderAcceptedView,
    description: 'The order is in the queue; Location names where it will be readable',
  })
  @ApiOrderErrors(400, 401, 413, 415, 429, 503)
  async create(
    @Body() order: CreateOrderDto,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderAcceptedView> {
    const accepted = await this.orders.accept(order, context);
    void reply.header('Location', `/orders/${accepted.orderId}`);
    return accepted;
  }

  @Get(':orderId')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: StoredOrderView })
  @ApiOrderErrors(400, 401, 404, 429, 503)
  find(@Param('orderId') orderId: string): Promise<StoredOrderView> {
    return this.orders.find(orderId);
  }
}
