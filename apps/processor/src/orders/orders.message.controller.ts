import { Controller, UseFilters, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CONTRACT_VALIDATION, describeValidationErrors, ORDER_ACCEPTED, ORDER_ACCEPTED_VERSION, OrderAcceptedEnvelope } from '@orders/contracts';
import { SqsMessageContext } from '../consumer/sqs-message.context';
import { MessageFailureFilter } from './message-failure.filter';
import { MessageLoggingInterceptor } from './message-logging.interceptor';
import { OrdersService, StoreOutcome } from './orders.service';
import { ProcessingErrorCode, ProcessingException } from './processing.exception';

// The same contract rules as the gateway's HTTP validation.
const envelopeValidation = new ValidationPipe({
  ...CONTRACT_VALIDATION,
  transform: true,
  exceptionFactory: (errors) => {
    const fields = describeValidationErrors(errors);
    return new ProcessingException(ProcessingErrorCode.InvalidEnvelope, `Invalid order envelope: ${fields.map((field) => field.field).join(', ')}`, fields);
  },
});

@Controller()
@UseFilters(MessageFailureFilter)
@UseInterceptors(MessageLoggingInterceptor)
export class OrdersMessageController {
  constructor(private readonly orders: OrdersService) {}

  @EventPattern({ type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION })
  @UsePipes(envelopeValidation)
  store(@Payload() envelope: OrderAcceptedEnvelope, @Ctx() context: SqsMessageContext): Promise<StoreOutcome> {
    return this.orders.store(envelope, context);
  }
}
