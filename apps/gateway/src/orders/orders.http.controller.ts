import { Body, Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateOrderDto,
  OrderAcceptedView,
  REQUEST_HEADERS,
  REQUEST_ID_REPLACED_HEADER,
  StoredOrderView,
} from '@orders/contracts';
import type { FastifyReply } from 'fastify';
import { Context, RequestContext } from '../request/request-context';
import { ApiOrderErrors, SUCCESS_HEADERS } from './orders.openapi';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiHeader({
  name: REQUEST_HEADERS.requestId.name,
  required: false,
  description: `Correlation id, stored with the order. Must be ${REQUEST_HEADERS.requestId.rule}; any other value is replaced by a generated one and the answer carries ${REQUEST_ID_REPLACED_HEADER}`,
  schema: {
    type: 'string',
    pattern: REQUEST_HEADERS.requestId.pattern,
    maxLength: REQUEST_HEADERS.requestId.maxLength,
  },
})
@ApiHeader({
  name: REQUEST_HEADERS.traceparent.name,
  required: false,
  description:
    'W3C Trace Context. Never continued: every request starts a new trace, and a valid traceparent is recorded as a link',
  schema: {
    type: 'string',
    pattern: REQUEST_HEADERS.traceparent.pattern,
    minLength: 55,
    maxLength: 55,
  },
})
// Authentication runs in Fastify's onRequest hook (create-gateway-app.ts), before the body is read.
@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Accept an order',
    description:
      'Validates the order and answers 202 only once the order queue holds it. Never needs the database.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: `Retries with the same key get the same orderId and one stored order. Must be ${REQUEST_HEADERS.idempotencyKey.rule}, else 400`,
    schema: {
      type: 'string',
      pattern: REQUEST_HEADERS.idempotencyKey.pattern,
      maxLength: REQUEST_HEADERS.idempotencyKey.maxLength,
    },
  })
  @ApiAcceptedResponse({
    type: OrderAcceptedView,
    description: 'The order is in the queue; Location names where it will be readable',
    headers: {
      Location: {
        description: 'Where the order will be readable: /orders/{orderId}',
        schema: { type: 'string', format: 'uri-reference', maxLength: 44 },
      },
      ...SUCCESS_HEADERS,
    },
  })
  @ApiOrderErrors(400, 401, 413, 415, 429, 500, 503)
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
  @ApiOperation({
    summary: 'Read a stored order',
    description:
      'The order as the processor stored it, for the API client that placed it only; 404 while it is still on its way.',
  })
  @ApiParam({ name: 'orderId', schema: { type: 'string', format: 'uuid', maxLength: 36 } })
  @ApiOkResponse({ type: StoredOrderView, headers: SUCCESS_HEADERS })
  @ApiOrderErrors(400, 401, 404, 429, 500, 503)
  find(
    @Param('orderId') orderId: string,
    @Context() context: RequestContext,
  ): Promise<StoredOrderView> {
    return this.orders.find(orderId, context);
  }
}
