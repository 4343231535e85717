import { LazyDataSource } from '@orders/persistence';
import { migratedDatabase } from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { DeadLetter } from '../../dlq/dead-letter';
import { DatabaseLedger } from './database.ledger';
import { DeadLetterLedger } from './dead-letter.ledger';
import { MemoryLedger } from './memory.ledger';

function letter(groupKey = 'INVALID_ENVELOPE', overrides: Partial<DeadLetter> = {}): DeadLetter {
  const at = new Date();
  return {
    messageId: randomUUID(),
    groupKey,
    reason: `${groupKey} reason`,
    attempts: 1,
    firstFailureAt: at,
    lastFailureAt: at,
    movedBySqs: false,
    orderId: randomUUID(),
    customerId: 'customer-1',
    receiveCount: 1,
    sentAt: at,
    bodyBytes: 100,
    ...overrides,
  };
}

// Letters absent from a complete scan are gone once last seen before `goneBefore` (default: this scan).
let clock = Date.now();
const scan = (complete = true, goneBefore?: Date) => {
  clock += 1000;
  const at = new Date(clock);
  return { complete, at, goneBefore: goneBefore ?? at };
};

let database: LazyDataSource;

beforeAll(async () => {
  database = await migratedDatabase();
});

afterAll(() => database.close());

// The same contract for both: the watcher switches between them when the database comes and goes.
describe.each([
  [
    'DatabaseLedger (real PostgreSQL)',
    () => new DatabaseLedger(database, `dlq-${randomUUID().slice(0, 8)}`),
  ],
  ['MemoryLedger', () => new MemoryLedger()],
])('%s', (_name, create: () => DeadLetterLedger) => {
  let ledger: DeadLetterLedger;

  beforeEach(() => {
    ledger = create();
  });

  it('should report a letter as new only the first time it is seen', async () => {
    const letters = [letter(), letter()];

    const first = await ledger.record(letters, scan());
    const second = await ledger.record([...letters, letter('MALFORMED_JSON')], scan());

    expect(first).toHaveLength(2);
    expect(second.map((noticed) => noticed.groupKey)).toEqual(['MALFORMED_JSON']);
    expect((await ledger.view()).pending).toHaveLength(3);
  });

  it('should count a letter as gone only when complete scans miss it for longer than any hiding', async () => {
    const [kept, hidden] = [letter(), letter()];
    const first = scan();
    await ledger.record([kept, hidden], first);

    // Missed, but seen too recently: another reader may be hiding it.
    await ledger.record([kept], scan(true, first.at));
    expect((await ledger.view()).present.get('INVALID_ENVELOPE')).toBe(2);
    await ledger.record([kept], scan(false));
    expect((await ledger.view()).present.get('INVALID_ENVELOPE')).toBe(2);

    await ledger.record([kept], scan(true));
    expect((await ledger.view()).present.get('INVALID_ENVELOPE')).toBe(1);

    await ledger.record([], scan(true));
    expect((await ledger.view()).present.get('INVALID_ENVELOPE')).toBeUndefined();
  });

  it('should name the letters that SQS deletes soon, oldest first', async () => {
    const hour = 3_600_000;
    const [oldest, old] = [
      letter('INVALID_ENVELOPE', { sentAt: new Date(Date.now() - 3 * hour) }),
      letter('MALFORMED_JSON', { sentAt: new Date(Date.now() - 2 * hour) }),
    ];
    await ledger.record([letter(), old, oldest], scan());

    const atRisk = await ledger.atRisk(new Date(Date.now() - hour), 1);

    expect(atRisk.count).toBe(2);
    expect(atRisk.samples.map((sample) => sample.messageId)).toEqual([oldest.messageId]);
  });

  it('should open a group when alerted, add to it, and close it when resolved', async () => {
    const letters = [letter(), letter(), letter()];
    await ledger.record(letters, scan());
    const openedAt = new Date(Date.now() - 1000);

    await ledger.alerted({
      groupKey: 'INVALID_ENVELOPE',
      messageIds: letters.slice(0, 2).map((l) => l.messageId),
      reason: 'r1',
      openedAt,
      at: new Date(),
    });
    await ledger.alerted({
      groupKey: 'INVALID_ENVELOPE',
      messageIds: [letters[2].messageId],
      reason: 'r2',
      openedAt: new Date(),
      at: new Date(),
    });

    const view = await ledger.view();
    expect(view.pending).toEqual([]);
    expect(view.groups).toEqual([
      expect.objectContaining({
        groupKey: 'INVALID_ENVELOPE',
        reason: 'r2',
        alertedLetters: 3,
        openedAt,
      }),
    ]);

    await ledger.record([], scan());
    await ledger.resolved(['INVALID_ENVELOPE']);
    expect((await ledger.view()).groups).toEqual([]);
  });

  it('should know the oldest letter still in the DLQ', async () => {
    const old = letter('INVALID_ENVELOPE', {
      sentAt: new Date(Date.now() - 3_600_000),
    });
    await ledger.record([old, letter()], scan());

    expect((await ledger.view()).oldestSentAt?.getTime()).toBe(old.sentAt.getTime());
  });
});

describe('two sidecars sharing the database ledger', () => {
  it('should let only one of them see a letter as new, even when both record it at once', async () => {
    const dlqName = `dlq-${randomUUID().slice(0, 8)}`;
    const [first, second] = [
      new DatabaseLedger(database, dlqName),
      new DatabaseLedger(database, dlqName),
    ];
    const letters = Array.from({ length: 200 }, () => letter());

    const [a, b] = await Promise.all([
      first.record(letters, scan()),
      second.record([...letters].reverse(), scan()),
    ]);

    expect(a.length + b.length).toBe(200);
  });
});
