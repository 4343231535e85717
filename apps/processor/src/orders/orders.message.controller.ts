import { Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ORDER_ACCEPTED, ORDER_ACCEPTED_VERSION, OrderAcceptedEnvelope } from '@orders/contracts';
import { SqsMessageContext } from '../consumer/sqs-message.context';
import { EnvelopeValidationPipe } from './envelope-validation.pipe';
import { MessageFailureFilter } from './message-failure.filter';
import { MessageLoggingInterceptor } from './message-logging.interceptor';
import { OrdersService, StoreOutcome } from './orders.service';

@Controller()
@UseFilters(MessageFailureFilter)
@UseInterceptors(MessageLoggingInterceptor)
export class OrdersMessageController {
  constructor(private readonly orders: OrdersService) {}

  @EventPattern({ type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION })
  store(
    @Payload(EnvelopeValidationPipe) envelope: OrderAcceptedEnvelope,
    @Ctx() context: SqsMessageContext,
  ): Promise<StoreOutcome> {
    return this.orders.store(envelope, context);
  }
}
