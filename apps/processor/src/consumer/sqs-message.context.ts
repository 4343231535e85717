import type { Message } from '@aws-sdk/client-sqs';
import { BaseRpcContext } from '@nestjs/microservices';
import { MessageAttribute } from '@orders/contracts';
import { readAttribute } from '@orders/messaging';

/** What a message handler may know about the SQS delivery it is working on (`@Ctx()`). */
export class SqsMessageContext extends BaseRpcContext<[Message]> {
  get message(): Message {
    return this.args[0];
  }

  get correlationId(): string | undefined {
    return readAttribute(this.message, MessageAttribute.CorrelationId);
  }

  get traceparent(): string | undefined {
    return readAttribute(this.message, MessageAttribute.TraceParent);
  }

  get receiveCount(): number {
    return Number(this.message.Attributes?.ApproximateReceiveCount ?? 1);
  }
}
