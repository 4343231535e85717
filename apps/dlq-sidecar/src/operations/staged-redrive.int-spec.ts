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
import { createHash, randomUUID } from 'node:crypto';
import {
  deadOrders,
  failureAttributes,
  sendAll,
  validOrderBody,
} from '../../testing/dead-letter.seeds';
import { queueDepth, StackProcess, startProcessor } from '../../testing/processes';
import { sidecarEnv, startSidecar, useCases } from '../../testing/sidecars';

const by = { actor: 'spec', via: 'cli' as const };
// The use cases are wired when a door is open: an admin key opens the admin API.
const ADMIN = { ADMIN_API_KEY_SHA256: createHash('sha256').update('spec-key').digest('hex') };

describe('staged redrive (1, then a few, then the rest; two replicas, real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let replicas: NestFastifyApplication[] = [];
  let processor: StackProcess | undefined;

  const stagesOfItems = async (planId: string) =>
    (
      (await database.dataSource.query(
        `SELECT stage, count(*)::int AS n FROM dlq_plan_items WHERE plan_id = $1 GROUP BY stage ORDER BY stage`,
        [planId],
      )) as { stage: number | null; n: number }[]
    ).map((row) => [row.stage, row.n]);

  const recordIdsOf = async (code: string, expected: number) =>
    eventually(async () => {
      const page = await useCases(replicas[0]).read.list({ code }, 100);
      expect(page.total).toBe(expected);
      return page.items.map((item) => item.id);
    }, 20_000);

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    // A short stage timeout: with no processor running, a stage's outcomes never come.
    const env = sidecarEnv(queues, { ...ADMIN, REDRIVE_STAGE_TIMEOUT_SECONDS: '2' });
    replicas = await Promise.all([startSidecar(env), startSidecar(env)]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((app) => app.close()));
    await processor?.stop();
    await database?.close();
  });

  it('should send one stage at a time, pause when outcomes do not come, resume on one replica only, and send no order twice', async () => {
    const good = deadOrders(6, 'STAGED_GOOD', 'database was down');
    await sendAll(sqs, queues.dlqUrl, good.seeds);
    await recordIdsOf('STAGED_GOOD', 6);
    const [a, b] = replicas.map((app) => useCases(app).redrive);
    const { plan } = await a.plan({ code: 'STAGED_GOOD' }, { code: 'STAGED_GOOD' }, by);

    const first = await a.apply(plan.id, by, { stages: [1, 2], ratePerSecond: 100 });

    expect(first).toMatchObject({ status: 'paused', sent: 1 });
    expect(first.pausedReason).toMatch(/^1 of 1 orders of stage 1 have no outcome after 2 s/);
    expect((await queueDepth(sqs, queues.queueUrl)).total).toBe(1);
    const paused = await a.status(plan.id, 10);
    expect(paused.plan).toMatchObject({ state: 'paused', stages: [1, 2], stage: 0 });
    expect(paused.counts).toMatchObject({ pending: 1, not_sent: 5 });

    // Two operators resume at once on two replicas: one takes the plan, the other is refused.
    const resumed = await Promise.allSettled([a.apply(plan.id, by), b.apply(plan.id, by)]);
    const fulfilled = resumed.filter((result) => result.status === 'fulfilled');
    const rejected = resumed.filter((result) => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((result) => (result.reason as { code: string }).code)).toEqual([
      'PLAN_NOT_APPLICABLE',
    ]);
    expect(fulfilled[0].value).toMatchObject({ status: 'paused', sent: 2 });
    expect((await queueDepth(sqs, queues.queueUrl)).total).toBe(3);
    expect(await stagesOfItems(plan.id)).toEqual([
      [0, 1],
      [1, 2],
      [null, 3],
    ]);

    processor = await startProcessor(queues);
    const last = await b.apply(plan.id, by);

    expect(last).toMatchObject({ status: 'done', sent: 3 });
    await eventually(async () => {
      expect((await b.status(plan.id, 10)).counts).toMatchObject({ stored: 6, pending: 0 });
    }, 30_000);
    expect(await stagesOfItems(plan.id)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    const [{ n }] = await database.dataSource.query(
      `SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[])`,
      [good.orderIds],
    );
    expect(n).toBe(6);
    const actions = (await useCases(replicas[0]).read.trail(50))
      .filter((entry) => entry.planId === plan.id)
      .map((entry) => entry.action);
    expect(actions.filter((action) => action === 'redrive.paused')).toHaveLength(2);
    expect(actions).toContain('redrive.done');
  });

  it('should pause when orders of a stage fail again, name them, resume with the next stage, and cancel', async () => {
    // Orders the processor refuses again: quantity 0 breaks the contract.
    const bad = Array.from({ length: 5 }, () => ({
      body: validOrderBody(randomUUID()).replace('"quantity":2', '"quantity":0'),
      attributes: failureAttributes('STAGED_BAD', 'quantity'),
    }));
    await sendAll(sqs, queues.dlqUrl, bad);
    await recordIdsOf('STAGED_BAD', 5);
    const patient = await startSidecar(
      sidecarEnv(queues, { ...ADMIN, REDRIVE_STAGE_TIMEOUT_SECONDS: '40' }),
    );
    replicas.push(patient);
    const redrive = useCases(patient).redrive;
    const { plan } = await redrive.plan({ code: 'STAGED_BAD' }, { code: 'STAGED_BAD' }, by);

    const first = await redrive.apply(plan.id, by, { stages: [1, 2] });

    const [sentFirst] = (await redrive.status(plan.id, 10)).items.filter((item) => item.sentAt);
    expect(first).toMatchObject({ status: 'paused', sent: 1 });
    expect(first.pausedReason).toBe(
      `1 of 1 orders of stage 1 failed again (records ${sentFirst.recordId}): see why before you resume`,
    );

    const second = await redrive.apply(plan.id, by);

    expect(second).toMatchObject({ status: 'paused', sent: 2 });
    expect(second.pausedReason).toMatch(/^2 of 2 orders of stage 2 failed again/);
    const cancelled = await redrive.cancel(plan.id, by);
    expect(cancelled.state).toBe('cancelled');
    const status = await redrive.status(plan.id, 10);
    expect(status.counts).toMatchObject({ failed_again: 3, not_sent: 2 });
    await expect(redrive.apply(plan.id, by)).rejects.toMatchObject({
      code: 'PLAN_NOT_APPLICABLE',
    });
  });

  it('should start a staged apply through the admin API and show the pause in its status', async () => {
    const bad = Array.from({ length: 2 }, () => ({
      body: validOrderBody(randomUUID()).replace('"quantity":2', '"quantity":0'),
      attributes: failureAttributes('STAGED_HTTP', 'quantity'),
    }));
    await sendAll(sqs, queues.dlqUrl, bad);
    await recordIdsOf('STAGED_HTTP', 2);
    const patient = replicas[2];
    const headers = { authorization: 'Bearer spec-key' };
    const planned = await patient.inject({
      method: 'POST',
      url: '/admin/dlq/plans',
      headers,
      payload: { code: 'STAGED_HTTP' },
    });
    const planId = (planned.json() as { plan: { id: string } }).plan.id;

    const refused = await patient.inject({
      method: 'POST',
      url: `/admin/dlq/plans/${planId}/apply`,
      headers,
      payload: { stages: '0,1' },
    });
    const started = await patient.inject({
      method: 'POST',
      url: `/admin/dlq/plans/${planId}/apply`,
      headers,
      payload: { stages: '1' },
    });

    expect(refused.statusCode).toBe(400);
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ plan: { state: 'applying', stages: [1] } });
    const status = await eventually(async () => {
      const shown = await patient.inject({
        method: 'GET',
        url: `/admin/dlq/plans/${planId}`,
        headers,
      });
      expect(shown.json()).toMatchObject({ plan: { state: 'paused' } });
      return shown.json() as { plan: { pausedReason: string }; counts: Record<string, number> };
    }, 30_000);
    expect(status.plan.pausedReason).toMatch(/^1 of 1 orders of stage 1 failed again/);
    expect(status.counts).toMatchObject({ failed_again: 1, not_sent: 1 });
  });
});
