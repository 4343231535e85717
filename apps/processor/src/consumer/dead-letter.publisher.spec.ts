import { Message, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { MessageAttribute } from '@orders/contracts';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { processorConfig } from '../testing/processor-config.fixture';
import { DeadLetterPublisher } from './dead-letter.publisher';

type Sent = {
  queueUrl?: string;
  body: string;
  messageAttributes: Record<string, { DataType: string; StringValue: string }>;
};

class RecordingSqs {
  readonly sent: { message: Sent }[] = [];

  async send(command: SendMessageCommand): Promise<void> {
    this.sent.push({
      message: {
        queueUrl: command.input.QueueUrl,
        body: command.input.MessageBody ?? '',
        messageAttributes: command.input.MessageAttributes as Sent['messageAttributes'],
      },
    });
  }
}

function message(overrides: Partial<Message> = {}): Message {
  return {
    MessageId: 'm-1',
    ReceiptHandle: 'r-1',
    Body: '{"type":"order.accepted","version":1,"orderId":"x"}',
    Attributes: { ApproximateReceiveCount: '1', ApproximateFirstReceiveTimestamp: '1767225600000' },
    MessageAttributes: {
      [MessageAttribute.CorrelationId]: { DataType: 'String', StringValue: 'corr-9' },
      [MessageAttribute.TraceParent]: {
        DataType: 'String',
        StringValue: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      [MessageAttribute.IdempotencyKey]: { DataType: 'String', StringValue: 'not-copied' },
    },
    ...overrides,
  };
}

const value = (sent: Sent, name: string) => sent.messageAttributes[name]?.StringValue;

describe(DeadLetterPublisher.name, () => {
  const producer = new RecordingSqs();
  const publisher = new DeadLetterPublisher(
    producer as unknown as SQSClient,
    processorConfig({ INSTANCE_ID: 'processor-7f9c' }),
  );

  beforeEach(() => producer.sent.splice(0));

  it('should send the original body with every failure attribute and the trace attributes', async () => {
    const failure = new ProcessingException(
      ProcessingErrorCode.InvalidEnvelope,
      'Invalid order envelope: order.items.0.quantity',
    );

    await publisher.publish(message(), failure);

    expect(producer.sent).toHaveLength(1);
    const [{ message: sent }] = producer.sent;
    expect(sent.queueUrl).toBe('http://127.0.0.1:1/000000000000/orders-dlq');
    expect(sent.body).toBe(message().Body);
    expect(value(sent, MessageAttribute.FailureClass)).toBe('ProcessingException');
    expect(value(sent, MessageAttribute.FailureCode)).toBe('INVALID_ENVELOPE');
    expect(value(sent, MessageAttribute.FailureMessage)).toBe(
      'Invalid order envelope: order.items.0.quantity',
    );
    expect(value(sent, MessageAttribute.FailureAttempts)).toBe('1');
    expect(sent.messageAttributes[MessageAttribute.FailureAttempts].DataType).toBe('Number');
    expect(value(sent, MessageAttribute.FirstFailureAt)).toBe(
      value(sent, MessageAttribute.LastFailureAt),
    );
    expect(Date.parse(value(sent, MessageAttribute.LastFailureAt) ?? '')).toBeGreaterThan(
      Date.now() - 5_000,
    );
    expect(value(sent, MessageAttribute.FailedBy)).toBe('processor-7f9c');
    expect(value(sent, MessageAttribute.CorrelationId)).toBe('corr-9');
    expect(value(sent, MessageAttribute.TraceParent)).toMatch(/^00-0af7/);
    // SQS allows 10 attributes; only trace context is copied over.
    expect(sent.messageAttributes[MessageAttribute.IdempotencyKey]).toBeUndefined();
    expect(Object.keys(sent.messageAttributes).length).toBeLessThanOrEqual(10);
  });

  it('should date the first failure at the first receive when the message was received before', async () => {
    const failure = new ProcessingException(
      ProcessingErrorCode.RejectedByDatabase,
      'check violation',
      undefined,
      Object.assign(new Error('x'), { name: 'QueryFailedError' }),
    );

    await publisher.publish(
      message({
        Attributes: {
          ApproximateReceiveCount: '3',
          ApproximateFirstReceiveTimestamp: '1767225600000',
        },
      }),
      failure,
    );

    const sent = producer.sent[0].message;
    expect(value(sent, MessageAttribute.FailureAttempts)).toBe('3');
    expect(value(sent, MessageAttribute.FirstFailureAt)).toBe('2026-01-01T00:00:00.000Z');
    expect(value(sent, MessageAttribute.FailureClass)).toBe('Error');
  });

  it('should shorten a long reason so alerts stay readable', async () => {
    await publisher.publish(
      message(),
      new ProcessingException(ProcessingErrorCode.Unexpected, 'x'.repeat(5000)),
    );

    expect(value(producer.sent[0].message, MessageAttribute.FailureMessage)).toHaveLength(1000);
  });

  it('should still send the message when it carries no attributes at all', async () => {
    await publisher.publish(
      message({ Attributes: undefined, MessageAttributes: undefined, Body: 'not json' }),
      new ProcessingException(ProcessingErrorCode.MalformedJson, 'Message body is not valid JSON'),
    );

    const sent = producer.sent[0].message;
    expect(sent.body).toBe('not json');
    expect(value(sent, MessageAttribute.FailureAttempts)).toBe('1');
    expect(value(sent, MessageAttribute.CorrelationId)).toBeUndefined();
  });
});
