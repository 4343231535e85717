import { LedgerView, OpenGroup, PendingLetter } from './ledger/dead-letter.ledger';
import { firingAlertOf, planAlerts, resolvedAlertOf } from './alert.planner';

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const policy = { groupWindowMs: 10_000, repeatIntervalMs: 300_000 };

function pending(id: number, groupKey = 'INVALID_ENVELOPE', noticedSecond = 0): PendingLetter {
  return {
    messageId: `m-${id}`,
    groupKey,
    orderId: `order-${id}`,
    customerId: `customer-${id}`,
    reason: `reason ${id}`,
    attempts: id,
    failedFirstAt: at(noticedSecond - 5),
    failedLastAt: at(noticedSecond - 1 + id / 1000),
    noticedAt: at(noticedSecond),
    sentAt: at(noticedSecond - 1),
  };
}

function view(
  letters: PendingLetter[],
  groups: OpenGroup[] = [],
  present?: Record<string, number>,
): LedgerView {
  const counts = new Map<string, number>();
  letters.forEach((letter) => counts.set(letter.groupKey, (counts.get(letter.groupKey) ?? 0) + 1));
  return {
    pending: letters,
    groups,
    present: present ? new Map(Object.entries(present)) : counts,
  };
}

describe(planAlerts.name, () => {
  it('should wait for the grouping window before firing', () => {
    const letters = [pending(1), pending(2, 'INVALID_ENVELOPE', 3)];

    expect(planAlerts(view(letters), at(9), policy, new Set()).fire).toEqual([]);
    const plan = planAlerts(view(letters), at(10), policy, new Set());

    expect(plan.fire).toHaveLength(1);
    expect(plan.fire[0].letters).toHaveLength(2);
  });

  it('should fire one group per reason', () => {
    const letters = [
      ...Array.from({ length: 500 }, (_, index) => pending(index)),
      pending(900, 'MALFORMED_JSON'),
    ];

    const plan = planAlerts(view(letters), at(10), policy, new Set());

    expect(plan.fire.map((fire) => [fire.groupKey, fire.letters.length]).sort()).toEqual([
      ['INVALID_ENVELOPE', 500],
      ['MALFORMED_JSON', 1],
    ]);
  });

  it('should hold newer letters of an alerted group until the repeat interval passed', () => {
    const group: OpenGroup = {
      groupKey: 'INVALID_ENVELOPE',
      reason: 'r',
      openedAt: at(0),
      lastAlertedAt: at(10),
      alertedLetters: 500,
    };
    const letters = [pending(501, 'INVALID_ENVELOPE', 20)];

    expect(planAlerts(view(letters, [group]), at(200), policy, new Set()).fire).toEqual([]);
    expect(planAlerts(view(letters, [group]), at(310), policy, new Set()).fire).toHaveLength(1);
  });

  it('should not plan a group whose previous alert is still being delivered', () => {
    expect(
      planAlerts(view([pending(1)]), at(60), policy, new Set(['INVALID_ENVELOPE'])).fire,
    ).toEqual([]);
  });

  it('should resolve an alerted group once none of its letters is left and none is pending', () => {
    const group: OpenGroup = {
      groupKey: 'INVALID_ENVELOPE',
      reason: 'r',
      openedAt: at(0),
      lastAlertedAt: at(10),
      alertedLetters: 3,
    };

    expect(
      planAlerts(view([], [group], { INVALID_ENVELOPE: 2 }), at(60), policy, new Set()).resolve,
    ).toEqual([]);
    expect(planAlerts(view([], [group], {}), at(60), policy, new Set()).resolve).toEqual([group]);
  });
});

describe(firingAlertOf.name, () => {
  const context = {
    dlqName: 'orders-dlq',
    inspectHint: 'npm run dlq -- list',
    uncoordinated: false,
    showCustomerIds: false,
    now: at(10),
  };

  it('should describe a burst as one grouped alert with samples and the time span', () => {
    const letters = Array.from({ length: 500 }, (_, index) => pending(index + 1));

    const alert = firingAlertOf({ groupKey: 'INVALID_ENVELOPE', letters, inDlq: 500 }, context);

    expect(alert.title).toBe('500 orders failed: INVALID_ENVELOPE');
    expect(alert.count).toBe(500);
    expect(alert.samples).toHaveLength(5);
    expect(alert.samples[0].orderId).toBe('order-500');
    expect(alert.reason).toBe('reason 500');
    expect(alert.maxAttempts).toBe(500);
    expect(alert.firstFailureAt).toEqual(at(-5));
    expect(alert.inspect).toBe('npm run dlq -- list --reason INVALID_ENVELOPE');
  });

  it('should name the order and point at it when one order failed', () => {
    const alert = firingAlertOf(
      { groupKey: 'INVALID_ENVELOPE', letters: [pending(7)], inDlq: 1 },
      context,
    );

    expect(alert.title).toBe('Order order-7 failed: INVALID_ENVELOPE');
    expect(alert.inspect).toBe('npm run dlq -- list --order order-7');
  });

  it('should count newer letters of an open group as "more"', () => {
    const group: OpenGroup = {
      groupKey: 'INVALID_ENVELOPE',
      reason: 'r',
      openedAt: at(0),
      lastAlertedAt: at(10),
      alertedLetters: 500,
    };

    const alert = firingAlertOf(
      {
        groupKey: 'INVALID_ENVELOPE',
        letters: [pending(1), pending(2)],
        group,
        inDlq: 502,
      },
      context,
    );

    expect(alert.title).toBe(
      `2 more orders failed (502 since ${at(0).toISOString()}): INVALID_ENVELOPE`,
    );
    expect(alert.totalSinceOpened).toBe(502);
  });
});

describe(resolvedAlertOf.name, () => {
  it('should say that the DLQ is empty again when it is', () => {
    const group: OpenGroup = {
      groupKey: 'INVALID_ENVELOPE',
      reason: 'r',
      openedAt: at(0),
      lastAlertedAt: at(10),
      alertedLetters: 3,
    };

    expect(resolvedAlertOf([group], true, { dlqName: 'orders-dlq', now: at(60) }).title).toBe(
      'Resolved: orders-dlq is empty again (INVALID_ENVELOPE)',
    );
    expect(resolvedAlertOf([group], false, { dlqName: 'orders-dlq', now: at(60) }).title).toBe(
      'Resolved: no dead letters left for INVALID_ENVELOPE',
    );
  });
});
