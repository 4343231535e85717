import { Message, MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { MessageAttribute, TRACE_ATTRIBUTES } from '@orders/contracts';
import { inMessageTrace, stringAttribute } from '@orders/messaging';
import { ProcessingException } from '../messages/processing.exception';
import { receiveCountOf } from '../messages/received-message';

// SQS caps an attribute value at 256 KiB but operators read it in alerts: keep it short.
const MAX_REASON_LENGTH = 1000;

/**
 * Moves a message that can never succeed to the DLQ at once, with the reason attached, instead of
 * letting it fail maxReceiveCount times. The caller deletes the original only after this resolves.
 */
@Injectable()
export class DeadLetterPublisher {
  constructor(
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
  ) {}

  async publish(message: Message, failure: ProcessingException): Promise<void> {
    const receiveCount = receiveCountOf(message);
    const firstReceivedAt = Number(
      message.Attributes?.ApproximateFirstReceiveTimestamp ?? Date.now(),
    );
    const now = new Date().toISOString();
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const name of TRACE_ATTRIBUTES) {
      const value = message.MessageAttributes?.[name];
      if (value?.StringValue) {
        attributes[name] = value;
      }
    }
    Object.assign(attributes, {
      [MessageAttribute.FailureClass]: stringAttribute(failure.causeClass),
      [MessageAttribute.FailureCode]: stringAttribute(failure.code),
      [MessageAttribute.FailureMessage]: stringAttribute(
        failure.message.slice(0, MAX_REASON_LENGTH) || failure.code,
      ),
      [MessageAttribute.FailureAttempts]: stringAttribute(receiveCount),
      [MessageAttribute.FirstFailureAt]: stringAttribute(
        receiveCount > 1 ? new Date(firstReceivedAt).toISOString() : now,
      ),
      [MessageAttribute.LastFailureAt]: stringAttribute(now),
      [MessageAttribute.FailedBy]: stringAttribute(this.config.INSTANCE_ID),
    });
    // The send is traced in the order's own trace; the letter keeps that trace's traceparent.
    await inMessageTrace(message, () =>
      this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.config.ORDERS_DLQ_URL,
          MessageBody: message.Body ?? '',
          MessageAttributes: attributes,
        }),
      ),
    );
  }
}
