import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { createHash } from 'node:crypto';
import { AlertReceiver } from '../../testing/alert.receiver';
import {
  deadOrders,
  failureAttributes,
  sendAll,
  validOrderBody,
} from '../../testing/dead-letter.seeds';
import { queueDepth, StackProcess, startProcessor } from '../../testing/processes';
import { sidecarEnv, startSidecar, useCases } from '../../testing/sidecars';

const ADMIN = { ADMIN_API_KEY_SHA256: createHash('sha256').update('spec-key').digest('hex') };
const by = { actor: 'spec', via: 'cli' as const };

describe('failed orders as records (two sidecar replicas, real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let database: LazyDataSource;
  let queues: QueuePair;
  let replicas: NestFastifyApplication[] = [];
  let processor: StackProcess | undefined;

  const dlqName = () => queues.dlqUrl.split('/').pop();
  const count = async (sql: string, params: unknown[] = []) =>
    ((await database.dataSource.query(sql, params)) as { n: number }[])[0].n;

  // A transaction of the spec's own holding the rows `sql` locks (more with `lock`), until release().
  const lockedBy = async (sql: string, params: unknown[], settings?: string) => {
    const runner = database.dataSource.createQueryRunner();
    await runner.startTransaction();
    if (settings) {
      await runner.query(settings);
    }
    const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
    await runner.query(sql, params);
    return {
      pid: pid as number,
      lock: (next: string, nextParams: unknown[]): Promise<unknown> =>
        runner.query(next, nextParams),
      release: async () => {
        if (!runner.isReleased) {
          await runner.commitTransaction();
          await runner.release();
        }
      },
    };
  };
  // Sessions waiting for a lock (that `holder` holds, when given).
  const waiting = (n: number, holder?: number) =>
    eventually(async () => {
      const [{ count }] = await database.dataSource.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND ($1::int IS NULL OR $1 = ANY(pg_blocking_pids(pid)))`,
        [holder ?? null],
      );
      expect(count).toBeGreaterThanOrEqual(n);
    }, 15_000);

  // The sessions waiting for a lock that `holder` holds, once there is one.
  const blockedBy = (holder: number) =>
    eventually(async () => {
      const rows: { pid: number }[] = await database.dataSource.query(
        `SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
        [holder],
      );
      expect(rows).not.toHaveLength(0);
      return rows.map((row) => row.pid);
    }, 15_000);

  beforeAll(async () => {
    database = await migratedDatabase();
    await receiver.start();
    queues = await createQueuePair(sqs);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((app) => app.close()));
    await processor?.stop();
    await receiver.close();
    await database?.close();
  });

  it('should drain letters already in the DLQ into records on first start, once each, with two replicas ingesting at once', async () => {
    const orders = deadOrders(300, 'REJECTED_BY_DATABASE', 'deadlock detected');
    const invisible = `cust${'\u200b\t'.repeat(40)}end`;
    await sendAll(sqs, queues.dlqUrl, [
      ...orders.seeds,
      {
        body: '{"not json',
        attributes: failureAttributes('MALFORMED_JSON', 'Unexpected end of JSON input'),
      },
      {
        body: validOrderBody(undefined, invisible),
        attributes: failureAttributes('INVALID_ENVELOPE', 'bad'),
      },
      { body: validOrderBody() },
    ]);
    const env = sidecarEnv(queues, { ...ADMIN, ALERT_WEBHOOK_URL: receiver.webhookUrl });
    replicas = await Promise.all([startSidecar(env), startSidecar(env)]);

    await eventually(
      async () => expect((await queueDepth(sqs, queues.dlqUrl)).total).toBe(0),
      30_000,
    );
    expect(
      await count(`SELECT count(*)::int AS n FROM dlq_letters WHERE dlq_name = $1`, [dlqName()]),
    ).toBe(303);
    expect(
      await count(`SELECT count(*)::int AS n FROM dlq_records WHERE dlq_name = $1`, [dlqName()]),
    ).toBe(303);
    const [weird] = await database.dataSource.query(
      `SELECT customer_id FROM dlq_records WHERE dlq_name = $1 AND failure_code = 'INVALID_ENVELOPE'`,
      [dlqName()],
    );
    expect(weird.customer_id).toBe(invisible);
    const codes = await useCases(replicas[0]).read.groups({});
    expect(Object.fromEntries(codes.map((group) => [group.failureCode, group.count]))).toEqual({
      REJECTED_BY_DATABASE: 300,
      MALFORMED_JSON: 1,
      INVALID_ENVELOPE: 1,
      MOVED_BY_SQS: 1,
    });
  });

  it('should send one alert per failure group whatever the number of replicas, customers masked', async () => {
    await eventually(() => {
      const titles = receiver.slack().map((message) => message.text);
      expect(titles.filter((title) => title.includes('REJECTED_BY_DATABASE'))).toHaveLength(1);
      expect(titles.filter((title) => title.includes('INVALID_ENVELOPE'))).toHaveLength(1);
      return Promise.resolve();
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const all = JSON.stringify(receiver.slack());
    expect(receiver.slack()).toHaveLength(4);
    expect(all).not.toContain('customer-1');
    expect(all).not.toContain('\u200b');
  });

  it('should list with exact counts and stable pages while two operators read at once', async () => {
    const { read } = useCases(replicas[0]);
    const [first, again] = await Promise.all([
      read.list({ code: 'REJECTED_BY_DATABASE' }, 120),
      useCases(replicas[1]).read.list({ code: 'REJECTED_BY_DATABASE' }, 120),
    ]);
    expect([first.total, again.total]).toEqual([300, 300]);
    const seen = new Set(first.items.map((item) => item.id));
    let cursor = first.nextCursor;
    while (cursor) {
      const { decodeCursor } = await import('./record');
      const page = await read.list({ code: 'REJECTED_BY_DATABASE' }, 120, decodeCursor(cursor));
      page.items.forEach((item) => seen.add(item.id));
      cursor = page.nextCursor;
    }
    expect(seen.size).toBe(300);
    expect((await read.list({ text: 'not json' }, 10)).total).toBe(1);
    const [malformed] = (await read.list({ code: 'MALFORMED_JSON' }, 1)).items;
    await expect(useCases(replicas[0]).edit.editable(malformed.id)).rejects.toMatchObject({
      code: 'NOT_EDITABLE',
    });
    // No order id: left out of a plan, and counted as such.
    const unsendable = await useCases(replicas[0]).redrive.plan({ code: 'MALFORMED_JSON' }, {}, by);
    expect([unsendable.plan.total, unsendable.withoutOrderId, unsendable.sample]).toEqual([
      0,
      1,
      [],
    ]);
  });

  it('should redrive a frozen plan, store each order once under two concurrent applies, and resolve the records', async () => {
    processor = await startProcessor(queues);
    const [a, b] = replicas.map((app) => useCases(app).redrive);
    const planA = await a.plan(
      { code: 'REJECTED_BY_DATABASE' },
      { code: 'REJECTED_BY_DATABASE' },
      by,
    );
    const planB = await b.plan(
      { code: 'REJECTED_BY_DATABASE' },
      { code: 'REJECTED_BY_DATABASE' },
      by,
    );
    // A letter arriving after the plan is not in it.
    await sendAll(sqs, queues.dlqUrl, deadOrders(1, 'REJECTED_BY_DATABASE', 'later').seeds);
    expect([planA.plan.total, planB.plan.total]).toEqual([300, 300]);
    expect([planA.withoutOrderId, planA.sample.length]).toEqual([0, 10]);

    const reports = await Promise.all([
      a.apply(planA.plan.id, by, { ratePerSecond: 500 }),
      b.apply(planB.plan.id, by, { ratePerSecond: 500 }),
    ]);

    // Each plan accounts for its whole set: sent, or skipped because the other plan's send was
    // stored and resolved first (how many depends on how the two interleave). Every record was
    // sent by at least one of them.
    expect(reports.map((report) => report.sent + report.skipped)).toEqual([300, 300]);
    expect(reports[0].sent + reports[1].sent).toBeGreaterThanOrEqual(300);
    const orderIds = (
      await database.dataSource.query(
        `SELECT order_id FROM dlq_records WHERE dlq_name = $1 AND failure_code = 'REJECTED_BY_DATABASE' AND failure_reason = 'deadlock detected'`,
        [dlqName()],
      )
    ).map((row: { order_id: string }) => row.order_id);
    await eventually(
      async () =>
        expect(
          await count(`SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[])`, [
            orderIds,
          ]),
        ).toBe(300),
      30_000,
    );
    await eventually(async () => {
      const status = await a.status(planA.plan.id, 1);
      expect(status.counts.stored).toBe(300);
    }, 15_000);
    await eventually(
      async () =>
        expect(
          await count(
            `SELECT count(*)::int AS n FROM dlq_records WHERE dlq_name = $1 AND state = 'resolved'`,
            [dlqName()],
          ),
        ).toBe(300),
      15_000,
    );
    expect(
      await count(
        `SELECT count(*)::int AS n FROM dlq_records WHERE dlq_name = $1 AND failure_reason = 'later' AND state = 'failed'`,
        [dlqName()],
      ),
    ).toBe(1);
  });

  it('should keep a failed-again order on the same record, every attempt with its reason', async () => {
    const { redrive, read } = useCases(replicas[0]);
    const orderId = '6a7b8c9d-0000-4000-8000-00000000f00d';
    const body = validOrderBody(orderId).replace('"quantity":2', '"quantity":0');
    await sendAll(sqs, queues.dlqUrl, [
      { body, attributes: failureAttributes('INVALID_ENVELOPE', 'quantity') },
    ]);
    const [record] = await eventually(async () => {
      const found = (await read.list({ order: orderId }, 1)).items;
      expect(found).toHaveLength(1);
      return found;
    });
    const plan = await redrive.plan({ ids: [record.id] }, { ids: [record.id] }, by);
    await redrive.apply(plan.plan.id, by);

    await eventually(async () => {
      const [shown] = await read.show(orderId);
      expect(shown.record.id).toBe(record.id);
      expect(shown.record.state).toBe('failed');
      expect(shown.attempts.map((attempt) => attempt.failureCode)).toEqual([
        'INVALID_ENVELOPE',
        'INVALID_ENVELOPE',
      ]);
      expect(shown.attempts[1].failureReason).toContain('quantity');
    }, 15_000);
    expect((await redrive.status(plan.plan.id, 1)).counts.failed_again).toBe(1);
  });

  it('should keep a record failed when it fails again while its send is being marked', async () => {
    const { redrive, read } = useCases(replicas[1]);
    const orderId = '6a7b8c9d-0000-4000-8000-00000000beef';
    const body = validOrderBody(orderId).replace('"quantity":2', '"quantity":0');
    await sendAll(sqs, queues.dlqUrl, [
      { body, attributes: failureAttributes('INVALID_ENVELOPE', 'quantity') },
    ]);
    const [record] = await eventually(async () => {
      const found = (await read.list({ order: orderId }, 1)).items;
      expect(found).toHaveLength(1);
      return found;
    });
    const plan = await redrive.plan({ ids: [record.id] }, { ids: [record.id] }, by);
    // Arranged with locks, as a slow database or pooler lets it happen: the mark after the send
    // waits (plan items) until the intake, recording the order's new failure, waits on the record;
    // then the mark queues behind the intake on the record and runs once the new failure is committed.
    const items = await lockedBy(`SELECT 1 FROM dlq_plan_items WHERE plan_id = $1 FOR UPDATE`, [
      plan.plan.id,
    ]);
    const row = await lockedBy(`SELECT 1 FROM dlq_records WHERE id = $1 FOR UPDATE`, [record.id]);
    const applied = redrive.apply(plan.plan.id, by);
    try {
      await waiting(1, row.pid);
      await items.release();
      await waiting(2);
    } finally {
      await items.release();
      await row.release();
    }
    await applied;

    const [shown] = await read.show(orderId);
    expect(shown.attempts).toHaveLength(2);
    expect(shown.record.state).toBe('failed');
    expect((await redrive.status(plan.plan.id, 1)).counts.failed_again).toBe(1);
  });

  it('should finish a redrive whose mark deadlocks with a transaction locking the same records the other way round', async () => {
    const { redrive, read } = useCases(replicas[0]);
    await sendAll(sqs, queues.dlqUrl, deadOrders(3, 'DEADLOCKED', 'deadlock detected').seeds);
    const [first, middle, last] = await eventually(async () => {
      const page = await read.list({ code: 'DEADLOCKED' }, 10);
      expect(page.total).toBe(3);
      return page.items.map((item) => item.id).sort((a, b) => Number(a) - Number(b));
    });
    const plan = await redrive.plan({ code: 'DEADLOCKED' }, { code: 'DEADLOCKED' }, by);
    // The intake upserts records in order id order, the mark after a send locks them in record id
    // order. Arranged with locks so that PostgreSQL stops the mark: it holds the first record and
    // waits for the middle one; the spec's "intake" (which never looks for deadlocks itself) holds
    // the last and waits for the first; then the middle one comes free, and the mark, waiting for
    // the last, closes the cycle.
    const forUpdate = `SELECT 1 FROM dlq_records WHERE id = $1 FOR UPDATE`;
    const held = await lockedBy(forUpdate, [middle]);
    const intake = await lockedBy(forUpdate, [last], `SET LOCAL deadlock_timeout = '1min'`);
    const applied = redrive.apply(plan.plan.id, by);
    applied.catch(() => undefined);
    try {
      const [mark] = await blockedBy(held.pid);
      const intakeLocked = intake.lock(forUpdate, [first]);
      await blockedBy(mark);
      await held.release();
      // Granted only once the mark's transaction is gone: PostgreSQL ended it as the deadlock's victim.
      await intakeLocked;
    } finally {
      await held.release();
      await intake.release();
    }

    await expect(applied).resolves.toMatchObject({ status: 'done', sent: 3, skipped: 0 });
    const status = await redrive.status(plan.plan.id, 10);
    expect(status.items.map((item) => item.recordId).sort()).toEqual([first, middle, last].sort());
    expect(status.counts.not_sent).toBe(0);
  });

  it('should take or cancel a plan only together with its audit entry', async () => {
    const orders = deadOrders(2, 'AUDITED_PLAN', 'database was down');
    await sendAll(sqs, queues.dlqUrl, orders.seeds);
    const { read, redrive } = useCases(replicas[0]);
    await eventually(async () => {
      expect((await read.list({ code: 'AUDITED_PLAN' }, 10)).total).toBe(2);
    }, 20_000);
    const { plan } = await redrive.plan({ code: 'AUDITED_PLAN' }, { code: 'AUDITED_PLAN' }, by);
    const planState = async () =>
      (
        (await database.dataSource.query(`SELECT state FROM dlq_plans WHERE id = $1`, [
          plan.id,
        ])) as {
          state: string;
        }[]
      )[0].state;
    // The audit log refuses the entries of this plan, as a full disk or a lost connection would.
    await database.dataSource.query(`
      CREATE FUNCTION spec_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
      CREATE TRIGGER spec_refuse_audit BEFORE INSERT ON dlq_audit
        FOR EACH ROW WHEN (NEW.plan_id = '${plan.id}') EXECUTE FUNCTION spec_refuse_audit();`);
    try {
      await expect(redrive.apply(plan.id, by)).rejects.toThrow(/audit log unavailable/);
      expect(await planState()).toBe('planned');
      await expect(redrive.cancel(plan.id, by)).rejects.toThrow(/audit log unavailable/);
      expect(await planState()).toBe('planned');
    } finally {
      await database.dataSource.query(
        `DROP TRIGGER spec_refuse_audit ON dlq_audit; DROP FUNCTION spec_refuse_audit();`,
      );
    }

    await redrive.cancel(plan.id, by);
    expect(await planState()).toBe('cancelled');
    const actions = (await read.trail(20))
      .filter((entry) => entry.planId === plan.id)
      .map((entry) => entry.action);
    expect(actions).toEqual(['redrive.cancel', 'redrive.plan']);
    expect((await redrive.status(plan.id, 10)).counts).toMatchObject({ not_sent: 2 });
  });

  it('should discard softly, refuse a bulk discard without the count typed back, and restore', async () => {
    const { discard, read } = useCases(replicas[1]);
    await expect(discard.discard({ states: ['failed'] }, undefined, by)).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
    });
    const open = (await read.list({ states: ['failed'] }, 1000)).total;
    const { discarded } = await discard.discard({ states: ['failed'] }, open, by);
    expect(discarded).toHaveLength(open);
    expect((await read.list({ states: ['discarded'] }, 1)).total).toBe(open);
    const { restored } = await discard.restore({ ids: discarded }, by);
    expect(restored.sort()).toEqual([...discarded].sort());
    const audit = await read.trail(50);
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['discard', 'restore', 'redrive.plan', 'redrive.done']),
    );
    expect(new Set(audit.map((entry) => entry.login))).toEqual(new Set(['dlq_sidecar_login']));
  });

  it('should refuse to restore a discarded record whose order failed again since, naming the open one', async () => {
    const { discard, read } = useCases(replicas[0]);
    const orderId = '6a7b8c9d-0000-4000-8000-0000000dead1';
    const letter = () => ({
      body: validOrderBody(orderId),
      attributes: failureAttributes('REJECTED_BY_DATABASE', 'again'),
    });
    await sendAll(sqs, queues.dlqUrl, [letter()]);
    const [old] = await eventually(async () => {
      const found = (await read.list({ order: orderId }, 1)).items;
      expect(found).toHaveLength(1);
      return found;
    });
    await discard.discard({ ids: [old.id] }, undefined, by);
    await sendAll(sqs, queues.dlqUrl, [letter()]);
    const [open] = await eventually(async () => {
      const found = (await read.list({ order: orderId }, 1)).items;
      expect(found).toHaveLength(1);
      return found;
    });
    expect(open.id).not.toBe(old.id);

    await expect(discard.restore({ ids: [old.id] }, by)).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining(`open record ${open.id}`),
    });
    expect((await read.list({ ids: [old.id], states: ['discarded'] }, 1)).total).toBe(1);
  });
});
