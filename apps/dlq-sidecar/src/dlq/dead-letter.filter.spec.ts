import { DeadLetter } from './dead-letter';
import { matchesFilter, parsePointInTime } from './dead-letter.filter';

const now = new Date('2026-03-01T10:00:00.000Z');

function letter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    messageId: 'msg-1',
    groupKey: 'INVALID_ENVELOPE',
    reason: 'bad',
    firstFailureAt: new Date('2026-03-01T09:00:00.000Z'),
    lastFailureAt: new Date('2026-03-01T09:30:00.000Z'),
    movedBySqs: false,
    orderId: 'ORDER-1',
    receiveCount: 1,
    sentAt: new Date('2026-03-01T09:30:00.000Z'),
    bodyBytes: 10,
    ...overrides,
  };
}

describe(parsePointInTime.name, () => {
  it('should read durations back from now and ISO times', () => {
    expect(parsePointInTime('15m', now)?.toISOString()).toBe('2026-03-01T09:45:00.000Z');
    expect(parsePointInTime('2h', now)?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(parsePointInTime('2026-02-01T00:00:00Z', now)?.toISOString()).toBe(
      '2026-02-01T00:00:00.000Z',
    );
  });

  it.each(['12', 'yesterday', '5 weeks', '2026-13-45'])('should refuse %j', (text) => {
    expect(parsePointInTime(text, now)).toBeUndefined();
  });
});

describe(matchesFilter.name, () => {
  it('should match nothing when neither --all nor a criterion is given', () => {
    expect(matchesFilter(letter(), {})).toBe(false);
    expect(matchesFilter(letter(), { all: true })).toBe(true);
  });

  it('should match the reason case-insensitively and the order by order id or message id', () => {
    expect(matchesFilter(letter(), { reason: 'invalid_envelope' })).toBe(true);
    expect(matchesFilter(letter(), { reason: 'MALFORMED_JSON' })).toBe(false);
    expect(matchesFilter(letter(), { order: 'order-1' })).toBe(true);
    expect(matchesFilter(letter(), { order: 'msg-1' })).toBe(true);
    expect(matchesFilter(letter(), { order: 'ORDER-2' })).toBe(false);
  });

  it('should compare time windows with the last failure time', () => {
    expect(matchesFilter(letter(), { since: new Date('2026-03-01T09:15:00.000Z') })).toBe(true);
    expect(matchesFilter(letter(), { until: new Date('2026-03-01T09:15:00.000Z') })).toBe(false);
  });

  it('should still apply criteria when --all is given too', () => {
    expect(matchesFilter(letter(), { all: true, reason: 'MALFORMED_JSON' })).toBe(false);
  });
});
