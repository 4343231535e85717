import { alertmanagerAlertsOf, labelsOf } from './alertmanager.channel';
import { FiringAlert } from '../dead-letter.alert';

const base: FiringAlert = {
  kind: 'firing',
  dlqName: 'orders-dlq',
  groupKey: 'INVALID_ENVELOPE',
  title: '3 orders failed: INVALID_ENVELOPE',
  reason: 'bad envelope',
  count: 3,
  totalSinceOpened: 3,
  openedAt: new Date('2026-03-01T10:00:00.000Z'),
  firstFailureAt: new Date('2026-03-01T10:00:00.000Z'),
  lastFailureAt: new Date('2026-03-01T10:00:02.000Z'),
  samples: [{ messageId: 'm-1', orderId: 'order-1', customerId: 'c-1' }],
  inDlq: 3,
  inspect: 'npm run dlq -- list --reason INVALID_ENVELOPE',
  at: new Date('2026-03-01T10:00:10.000Z'),
};

describe(alertmanagerAlertsOf.name, () => {
  const options = { severity: 'warning', firingTtlMs: 240_000 };

  it('should keep labels stable between alerts of one reason so Alertmanager deduplicates', () => {
    const first = alertmanagerAlertsOf(base, options)[0];
    const later = alertmanagerAlertsOf(
      {
        ...base,
        count: 7,
        totalSinceOpened: 10,
        samples: [{ messageId: 'm-9', orderId: 'order-9' }],
        at: new Date('2026-03-01T10:05:00.000Z'),
      },
      options,
    )[0];

    expect(first.labels).toEqual({
      alertname: 'OrdersDeadLettered',
      service: 'orders',
      dlq: 'orders-dlq',
      failure_code: 'INVALID_ENVELOPE',
      severity: 'warning',
    });
    expect(later.labels).toEqual(first.labels);
    expect(first.startsAt).toBe(later.startsAt);
    expect(first.annotations.orders).toBe('order-1');
    expect(first.endsAt).toBe('2026-03-01T10:04:10.000Z');
  });

  it('should end each group at the resolve time with the same labels', () => {
    const resolved = alertmanagerAlertsOf(
      {
        kind: 'resolved',
        dlqName: 'orders-dlq',
        title: 'Resolved',
        groups: [
          {
            groupKey: 'INVALID_ENVELOPE',
            openedAt: base.openedAt,
            alertedLetters: 3,
          },
        ],
        dlqEmpty: true,
        at: new Date('2026-03-01T11:00:00.000Z'),
      },
      options,
    );

    expect(resolved).toEqual([
      expect.objectContaining({
        labels: labelsOf('orders-dlq', 'INVALID_ENVELOPE', 'warning'),
        endsAt: '2026-03-01T11:00:00.000Z',
        startsAt: '2026-03-01T10:00:00.000Z',
      }),
    ]);
  });
});
