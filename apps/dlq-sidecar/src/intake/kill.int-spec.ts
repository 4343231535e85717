import { SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  databaseUrlAs,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { queueDepth, runCli, StackProcess, startProcessor } from '../../testing/processes';
import { killHard, spawnSidecar } from '../../testing/sidecar-process';
import { sidecarEnv } from '../../testing/sidecars';

const LETTERS = 1500;

// Figures for the report; printed, never asserted (they depend on the machine).
const figure = (text: string) => process.stderr.write(`[chaos] ${text}\n`);

describe('kill -9 during intake and during a redrive (processes; real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let processor: StackProcess | undefined;
  const children: ChildProcess[] = [];
  let orderIds: string[] = [];
  let bodies: string[] = [];

  const count = async (sql: string, params: unknown[] = []) =>
    ((await database.dataSource.query(sql, params)) as { n: number }[])[0].n;
  const dlqName = () => queues.dlqUrl.split('/').pop();

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
  });

  afterAll(async () => {
    await Promise.all(children.map(killHard));
    await processor?.stop();
    await database?.close();
  });

  it('should record every letter once when the sidecar is killed mid-intake and a new one takes over', async () => {
    const seeded = deadOrders(LETTERS, 'REJECTED_BY_DATABASE', 'deadlock detected');
    orderIds = seeded.orderIds;
    bodies = seeded.seeds.map((seed) => seed.body);
    await sendAll(sqs, queues.dlqUrl, seeded.seeds);
    // Letters a killed sidecar had received come back after this.
    const env = sidecarEnv(queues, { DLQ_INGEST_VISIBILITY_SECONDS: '5' });
    const startedAt = Date.now();
    const first = spawnSidecar(env);
    children.push(first);
    await eventually(
      async () =>
        expect(
          await count(`SELECT count(*)::int AS n FROM dlq_letters WHERE dlq_name = $1`, [
            dlqName(),
          ]),
        ).toBeGreaterThan(200),
      30_000,
      20,
    );
    await killHard(first);
    const atKill = await count(`SELECT count(*)::int AS n FROM dlq_letters WHERE dlq_name = $1`, [
      dlqName(),
    ]);
    const inFlight = (await queueDepth(sqs, queues.dlqUrl)).inFlight;

    children.push(spawnSidecar(env));
    await eventually(
      async () => expect((await queueDepth(sqs, queues.dlqUrl)).total).toBe(0),
      60_000,
      200,
    );

    const [stored] = await database.dataSource.query(
      `SELECT count(*)::int AS letters, count(DISTINCT message_id)::int AS messages,
              (SELECT count(*)::int FROM dlq_records WHERE dlq_name = $1) AS records
         FROM dlq_letters WHERE dlq_name = $1`,
      [dlqName()],
    );
    expect(stored).toEqual({ letters: LETTERS, messages: LETTERS, records: LETTERS });
    const recorded: { body: string }[] = await database.dataSource.query(
      `SELECT body FROM dlq_letters WHERE dlq_name = $1`,
      [dlqName()],
    );
    expect(recorded.map((row) => row.body).sort()).toEqual([...bodies].sort());
    figure(
      `intake: ${LETTERS} letters; killed -9 with ${atKill} recorded and ${inFlight} in flight; all ${LETTERS} recorded once after ${((Date.now() - startedAt) / 1000).toFixed(1)} s, 0 lost, 0 twice`,
    );
  }, 120_000);

  it('should store every order once when a redrive is killed mid-way and resumed', async () => {
    processor = await startProcessor(queues);
    const env = { ...sidecarEnv(queues), DATABASE_URL: databaseUrlAs('dlq-operator') };
    const planned = await runCli(
      ['redrive', '--code', 'REJECTED_BY_DATABASE', '--dry-run', '--json', '--actor', 'chaos'],
      env,
    ).done;
    expect(planned.code).toBe(0);
    const planId: string = JSON.parse(planned.stdout).plan.id;

    const first = runCli(['redrive', '--plan', planId, '--rate', '300', '--actor', 'chaos'], env);
    const storedCount = () =>
      count(`SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[])`, [orderIds]);
    await eventually(async () => expect(await storedCount()).toBeGreaterThan(200), 30_000, 20);
    first.kill('SIGKILL');
    await first.done;
    const sentAtKill = await count(
      `SELECT count(*)::int AS n FROM dlq_plan_items WHERE plan_id = $1 AND sent_at IS NOT NULL`,
      [planId],
    );

    // The killed run still holds the plan until its heartbeat is stale: a second applier is refused, then takes over.
    const refused = await runCli(['redrive', '--plan', planId, '--json'], env).done;
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe('PLAN_NOT_APPLICABLE');
    await sleep(31_000);
    const resumed = await runCli(
      ['redrive', '--plan', planId, '--rate', '500', '--json', '--actor', 'chaos'],
      env,
    ).done;
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);

    await eventually(async () => expect(await storedCount()).toBe(LETTERS), 60_000, 200);
    expect(
      await count(`SELECT count(*)::int AS n FROM order_items WHERE order_id = ANY($1::uuid[])`, [
        orderIds,
      ]),
    ).toBe(LETTERS * 2);
    await eventually(
      async () => {
        const status = await runCli(['status', planId, '--limit', '1', '--json'], env).done;
        expect(JSON.parse(status.stdout).counts.stored).toBe(LETTERS);
      },
      30_000,
      500,
    );
    figure(
      `redrive: ${LETTERS} records; killed -9 with ${sentAtKill} marked sent; resume sent ${report.sent}; ${LETTERS} orders stored, each once (${LETTERS * 2} items), 0 lost`,
    );
  }, 180_000);
});
