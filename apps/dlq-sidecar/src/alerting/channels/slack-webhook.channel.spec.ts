import { FiringAlert, ResolvedAlert } from '../dead-letter.alert';
import { slackMessageOf } from './slack-webhook.channel';

const firing: FiringAlert = {
  kind: 'firing',
  dlqName: 'orders-dlq',
  groupKey: 'INVALID_ENVELOPE',
  title: '500 orders failed: INVALID_ENVELOPE',
  reason: 'order.items[0].quantity must not be greater than 1000',
  count: 500,
  totalSinceOpened: 500,
  openedAt: new Date('2026-03-01T10:00:00.000Z'),
  firstFailureAt: new Date('2026-03-01T10:00:00.000Z'),
  lastFailureAt: new Date('2026-03-01T10:00:03.000Z'),
  maxAttempts: 1,
  samples: [
    { messageId: 'm-1', orderId: 'order-1', customerId: 'customer-1' },
    { messageId: 'm-2' },
  ],
  inDlq: 500,
  inspect: 'npm run dlq -- list --reason INVALID_ENVELOPE',
  at: new Date('2026-03-01T10:00:10.000Z'),
};

describe(slackMessageOf.name, () => {
  it('should carry what a human acts on: reason, orders, customers, time span, attempts and the inspect command', () => {
    const message = slackMessageOf(firing);
    const everything = JSON.stringify(message);

    expect(message.text).toContain('500 orders failed: INVALID_ENVELOPE');
    expect(message.text).toContain('quantity must not be greater than 1000');
    expect(everything).toContain('`order-1` (customer `customer-1`)');
    expect(everything).toContain('message `m-2`');
    expect(everything).toContain('and 498 more');
    expect(everything).toContain('first 2026-03-01T10:00:00.000Z, last 2026-03-01T10:00:03.000Z');
    expect(everything).toContain('npm run dlq -- list --reason INVALID_ENVELOPE');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: '🚨 500 orders failed: INVALID_ENVELOPE',
      },
    });
  });

  it('should list the groups of a resolved notice', () => {
    const resolved: ResolvedAlert = {
      kind: 'resolved',
      dlqName: 'orders-dlq',
      title: 'Resolved: orders-dlq is empty again (INVALID_ENVELOPE)',
      groups: [
        {
          groupKey: 'INVALID_ENVELOPE',
          openedAt: firing.openedAt,
          alertedLetters: 500,
        },
      ],
      dlqEmpty: true,
      at: firing.at,
    };

    const message = slackMessageOf(resolved);

    expect(message.text).toContain('Resolved: orders-dlq is empty again');
    expect(JSON.stringify(message)).toContain(
      '*INVALID_ENVELOPE*: 500 dead letters since 2026-03-01T10:00:00.000Z',
    );
  });
});
