import type { Message } from '@aws-sdk/client-sqs';
import { groupKeyOf, MOVED_BY_SQS, parseDeadLetter, queueNameOf } from './dead-letter';

const now = new Date('2026-03-01T10:00:00.000Z');

function message(overrides: Partial<Message>): Message {
  return {
    MessageId: 'm-1',
    ReceiptHandle: 'r-1',
    Body: '{}',
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(now.getTime() - 60_000),
    },
    ...overrides,
  };
}

const attribute = (value: string, type = 'String') => ({
  DataType: type,
  StringValue: value,
});

describe(parseDeadLetter.name, () => {
  it('should read the reason, attempts and times when the processor attached them', () => {
    const letter = parseDeadLetter(
      message({
        Body: JSON.stringify({
          orderId: 'A1B2',
          order: { customerId: 'customer-9' },
        }),
        MessageAttributes: {
          'failure-code': attribute('INVALID_ENVELOPE'),
          'failure-message': attribute('order.items must not be empty'),
          'failure-class': attribute('ProcessingException'),
          'failure-attempts': attribute('3', 'Number'),
          'failure-first-at': attribute('2026-03-01T09:58:00.000Z'),
          'failure-last-at': attribute('2026-03-01T09:59:00.000Z'),
          'failed-by': attribute('processor-7'),
          'correlation-id': attribute('corr-1'),
        },
      }),
      now,
    );

    expect(letter).toMatchObject({
      groupKey: 'INVALID_ENVELOPE',
      reason: 'order.items must not be empty',
      attempts: 3,
      orderId: 'A1B2',
      customerId: 'customer-9',
      failedBy: 'processor-7',
      correlationId: 'corr-1',
      movedBySqs: false,
    });
    expect(letter.firstFailureAt.toISOString()).toBe('2026-03-01T09:58:00.000Z');
    expect(letter.lastFailureAt?.toISOString()).toBe('2026-03-01T09:59:00.000Z');
  });

  it('should say "moved by SQS after N receives" when the letter carries no failure attributes', () => {
    const letter = parseDeadLetter(
      message({
        Attributes: {
          ApproximateReceiveCount: '6',
          SentTimestamp: '1772358000000',
          ApproximateFirstReceiveTimestamp: '1772358001000',
        },
      }),
      now,
    );

    expect(letter.groupKey).toBe(MOVED_BY_SQS);
    // The receive that showed us the letter is not one of its failures.
    expect(letter.reason).toBe('moved by SQS after 5 receives');
    expect(letter.attempts).toBe(5);
    expect(letter.lastFailureAt).toBeUndefined();
    expect(letter.firstFailureAt.getTime()).toBe(1772358001000);
  });

  it.each(['not json at all', '[1,2]', 'null', '{"orderId": 42}', ''])(
    'should not fail on a poison body (%j)',
    (body) => {
      const letter = parseDeadLetter(
        message({
          Body: body,
          MessageAttributes: { 'failure-code': attribute('MALFORMED_JSON') },
        }),
        now,
      );

      expect(letter.orderId).toBeUndefined();
      expect(letter.groupKey).toBe('MALFORMED_JSON');
      expect(letter.reason).toBe('MALFORMED_JSON');
    },
  );
});

describe(groupKeyOf.name, () => {
  it('should keep group keys plain when a code contains odd characters', () => {
    expect(groupKeyOf(' rejected by db ')).toBe('REJECTED_BY_DB');
    expect(groupKeyOf('')).toBe('UNKNOWN');
  });
});

describe(queueNameOf.name, () => {
  it('should take the last path segment of a queue URL', () => {
    expect(queueNameOf('https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq')).toBe(
      'orders-dlq',
    );
    expect(queueNameOf('http://127.0.0.1:4566/000000000000/orders-dlq/')).toBe('orders-dlq');
  });
});
