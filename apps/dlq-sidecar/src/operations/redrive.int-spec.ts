import { SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  databaseUrlAs,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadOrders, failureAttributes, sendAll } from '../../testing/dead-letter.seeds';
import { baseEnv, queueDepth, runCli, StackProcess, startProcessor } from '../../testing/processes';

describe('redrive from the CLI (processor and CLI as processes; real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let processor: StackProcess;
  let env: Record<string, string>;

  const storedCount = async (orderIds: string[]): Promise<{ orders: number; items: number }> => {
    const [row] = await database.dataSource.query(
      `SELECT (SELECT count(*)::int FROM orders WHERE order_id = ANY($1::uuid[])) AS orders, (SELECT count(*)::int FROM order_items WHERE order_id = ANY($1::uuid[])) AS items`,
      [orderIds],
    );
    return row;
  };
  const auditRows = async () =>
    database.dataSource.query(
      `SELECT action, status, actor, filter, matched, succeeded, failed FROM dlq_audit_runs WHERE dlq_name = $1 ORDER BY id`,
      [queues.dlqUrl.split('/').pop()],
    );

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    processor = await startProcessor(queues);
    // Short hiding, so letters held by a killed run come back quickly. The CLI runs with the
    // operator Jobs' role: it may append to the audit log, never update it.
    env = {
      ...baseEnv(queues),
      DLQ_CLI_VISIBILITY_SECONDS: '3',
      DATABASE_URL: databaseUrlAs('dlq-operator'),
    };
  });

  afterAll(async () => {
    await processor?.stop();
    await database?.close();
  });

  it('should change nothing with --dry-run, and then move only the chosen reason, which the processor stores once', async () => {
    const fixable = deadOrders(20, 'REJECTED_BY_DATABASE', 'deadlock detected');
    const poison = deadOrders(
      4,
      'INVALID_ENVELOPE',
      'order.currency must be a valid ISO4217 currency code',
    );
    await sendAll(sqs, queues.dlqUrl, [...fixable.seeds, ...poison.seeds]);

    const dryRun = await runCli(['redrive', '--reason', 'REJECTED_BY_DATABASE', '--dry-run'], env)
      .done;

    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('matched 20');
    expect(dryRun.stdout).toContain('would move 20');
    await sleep(1500);
    expect(await queueDepth(sqs, queues.dlqUrl)).toEqual({
      visible: 24,
      inFlight: 0,
      total: 24,
    });
    expect(await storedCount(fixable.orderIds)).toEqual({
      orders: 0,
      items: 0,
    });
    expect(await auditRows()).toEqual([]);

    const redrive = await runCli(
      ['redrive', '--reason', 'rejected_by_database', '--actor', 'ops-test'],
      env,
    ).done;

    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain('moved 20');
    await eventually(
      async () =>
        expect(await storedCount(fixable.orderIds)).toEqual({
          orders: 20,
          items: 40,
        }),
      15_000,
    );
    expect(await queueDepth(sqs, queues.dlqUrl)).toMatchObject({ total: 4 });
    const left = await runCli(['list', '--json'], env).done;
    expect(JSON.parse(left.stdout).groups).toEqual([
      expect.objectContaining({ reason: 'INVALID_ENVELOPE', count: 4 }),
    ]);
    expect(await auditRows()).toEqual([
      {
        action: 'redrive',
        status: 'completed',
        actor: 'ops-test',
        filter: { reason: 'rejected_by_database' },
        matched: 20,
        succeeded: 20,
        failed: 0,
      },
    ]);
  });

  it('should lose nothing and store nothing twice when a redrive is killed halfway and run again', async () => {
    const orders = deadOrders(150, 'DATABASE_UNAVAILABLE', 'connection terminated unexpectedly');
    await sendAll(sqs, queues.dlqUrl, orders.seeds);

    const first = runCli(['redrive', '--reason', 'DATABASE_UNAVAILABLE', '--rate', '50'], env);
    await eventually(
      async () => expect((await storedCount(orders.orderIds)).orders).toBeGreaterThanOrEqual(30),
      15_000,
      50,
    );
    first.kill('SIGKILL');
    const killed = await first.done;
    const halfway = (await storedCount(orders.orderIds)).orders;

    const second = await runCli(['redrive', '--reason', 'DATABASE_UNAVAILABLE'], env).done;

    expect(killed.code).toBeNull();
    expect(halfway).toBeLessThan(150);
    expect(second.code).toBe(0);
    await eventually(
      async () =>
        expect(await storedCount(orders.orderIds)).toEqual({
          orders: 150,
          items: 300,
        }),
      20_000,
    );
    // Only the poison of the first test is left; the processor consumed every redriven order.
    await eventually(
      async () =>
        expect(await queueDepth(sqs, queues.dlqUrl)).toMatchObject({
          total: 4,
        }),
      10_000,
    );
    await eventually(
      async () =>
        expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({
          total: 0,
        }),
      10_000,
    );
    const audit = (await auditRows()).filter(
      (row: { filter: { reason?: string } }) => row.filter.reason === 'DATABASE_UNAVAILABLE',
    );
    // The killed run stays "running" with its last progress; the second one completed the rest.
    expect(audit.map((row: { status: string }) => row.status)).toEqual(['running', 'completed']);
    expect(audit[1].succeeded).toBeGreaterThan(0);
  });

  it('should pace a redrive at --rate and show progress', async () => {
    const orders = deadOrders(60, 'HANDLER_TIMEOUT', 'Batch not finished within 45000 ms');
    await sendAll(sqs, queues.dlqUrl, orders.seeds);
    const started = Date.now();

    const run = runCli(['redrive', '--reason', 'HANDLER_TIMEOUT', '--rate', '30'], env);
    const result = await run.done;

    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('moved 60');
    // 30/s with one second of burst: about 1 s for 60, never much less.
    expect(seconds).toBeGreaterThan(1);
    expect(
      run.stderrLines.some((line) =>
        /^redrive: +examined \d+\/~\d+ +matched \d+ +moved \d+ +[\d.]+ msg\/s$/.test(line),
      ),
    ).toBe(true);
    await eventually(
      async () =>
        expect(await storedCount(orders.orderIds)).toEqual({
          orders: 60,
          items: 120,
        }),
      15_000,
    );
  });

  it('should show one dead letter by order id with its reason and body', async () => {
    const poison = await runCli(
      ['list', '--json', '--reason', 'INVALID_ENVELOPE', '--limit', '1'],
      env,
    ).done;
    const [letter] = JSON.parse(poison.stdout).letters;

    const [shown, missing] = await Promise.all([
      runCli(['show', letter.orderId], env).done,
      runCli(['show', 'no-such-order'], env).done,
    ]);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`order id        ${letter.orderId}`);
    expect(shown.stdout).toContain(
      'INVALID_ENVELOPE: order.currency must be a valid ISO4217 currency code',
    );
    expect(shown.stdout).toContain('"customerId": "customer-1"');
    expect(missing.code).toBe(3);
  });

  it('should edit and retry: print the order, refuse a correction that breaks the contract, then store the corrected one under the same order id', async () => {
    const orderId = randomUUID();
    const broken = {
      customerId: 'customer-7',
      currency: 'EURO',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 }],
    };
    await sendAll(sqs, queues.dlqUrl, [
      {
        body: JSON.stringify({
          type: 'order.accepted',
          version: 1,
          orderId,
          acceptedAt: new Date().toISOString(),
          order: broken,
        }),
        attributes: failureAttributes(
          'INVALID_ENVELOPE',
          'order.currency must be three upper-case letters (ISO 4217)',
        ),
      },
    ]);
    const file = (name: string, order: unknown) => {
      const path = join(tmpdir(), `${orderId}-${name}.json`);
      writeFileSync(path, JSON.stringify(order));
      return path;
    };

    const printed = await runCli(['edit', orderId], env).done;
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(broken);

    const stillBroken = await runCli(
      [
        'edit',
        orderId,
        '--file',
        file('bad', { ...broken, currency: 'EUR', items: [{ ...broken.items[0], quantity: 0 }] }),
      ],
      env,
    ).done;
    expect(stillBroken.code).toBe(2);
    expect(stillBroken.stderr).toContain('order.items.0.quantity');

    const fixed = file('fixed', { ...broken, currency: 'EUR' });
    const dryRun = await runCli(['edit', orderId, '--file', fixed, '--dry-run'], env).done;
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('would send corrected 1');

    const edited = await runCli(['edit', orderId, '--file', fixed, '--actor', 'jane'], env).done;
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('sent corrected 1');
    await eventually(async () => {
      const rows = await database.dataSource.query(
        `SELECT currency FROM orders WHERE order_id = $1`,
        [orderId],
      );
      expect(rows).toEqual([{ currency: 'EUR' }]);
    }, 15_000);
    const [audit] = await database.dataSource.query(
      `SELECT action, status, actor, succeeded, order_before, order_after FROM dlq_audit_runs WHERE action = 'edit' AND order_ids @> ARRAY[$1]`,
      [orderId],
    );
    expect(audit).toEqual({
      action: 'edit',
      status: 'completed',
      actor: 'jane',
      succeeded: 1,
      order_before: broken,
      order_after: { ...broken, currency: 'EUR' },
    });
    expect((await runCli(['show', orderId], env).done).code).toBe(3);
  });
});
