import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ORDER_ACCEPTED, ORDER_ACCEPTED_VERSION } from '@orders/contracts';
import { MessageFailureFilter } from '../messages/message-failure.filter';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { OrdersService } from './orders.service';

@Controller()
@UseFilters(MessageFailureFilter)
export class OrdersMessageController {
  constructor(private readonly orders: OrdersService) {}

  // One event per received batch: the order.accepted v1 messages of it, answered one outcome each.
  @EventPattern({ type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION })
  store(@Payload() batch: ReceivedMessage[]): Promise<MessageOutcome[]> {
    return this.orders.store(batch);
  }
}
