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
import { AlertReceiver } from '../../../testing/alert.receiver';
import { deadOrders, sendAll } from '../../../testing/dead-letter.seeds';
import { queueDepth } from '../../../testing/processes';
import { sidecarEnv, startSidecar } from '../../../testing/sidecars';

const KEY = 'admin-test-key';
const ADMIN = { ADMIN_API_KEY_SHA256: createHash('sha256').update(KEY).digest('hex') };
const auth = { authorization: `Bearer ${KEY}` };

describe('admin HTTP API, health and metrics (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  let orderIds: string[];

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const response = await app.inject({ method, url, headers: auth, payload });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    const seeded = deadOrders(25, 'INVALID_ENVELOPE', 'bad envelope');
    orderIds = seeded.orderIds;
    await sendAll(sqs, queues.dlqUrl, seeded.seeds);
    app = await startSidecar(sidecarEnv(queues, ADMIN));
    await app.getHttpAdapter().getInstance().ready();
    await eventually(
      async () => expect((await call('GET', '/admin/dlq/records')).body.total).toBe(25),
      20_000,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('should refuse requests without the right key', async () => {
    const missing = await app.inject({ method: 'GET', url: '/admin/dlq/records' });
    const wrong = await app.inject({
      method: 'GET',
      url: '/admin/dlq/records',
      headers: { authorization: 'Bearer nope' },
    });

    expect([missing.statusCode, wrong.statusCode]).toEqual([401, 401]);
  });

  it('should page records with an exact total and describe every route in OpenAPI', async () => {
    const first = await call('GET', '/admin/dlq/records?limit=10');
    const second = await call('GET', `/admin/dlq/records?limit=10&cursor=${first.body.nextCursor}`);
    const bad = await call('GET', '/admin/dlq/records?cursor=garbage');
    const openapi = await app.inject({ method: 'GET', url: '/admin/openapi.json' });

    expect([first.body.total, first.body.items.length, second.body.items.length]).toEqual([
      25, 10, 10,
    ]);
    expect(
      new Set([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id))
        .size,
    ).toBe(20);
    expect(bad).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(Object.keys(openapi.json().paths)).toEqual(
      expect.arrayContaining([
        '/admin/dlq/records',
        '/admin/dlq/records/{id}',
        '/admin/dlq/plans',
        '/admin/dlq/plans/{id}/apply',
        '/admin/dlq/discard',
        '/admin/dlq/groups/{code}/triage',
      ]),
    );
  });

  it('should show a record by order id, and refuse an edit that breaks the contract or changes the order id', async () => {
    const shown = await call('GET', `/admin/dlq/records/${orderIds[0]}`);
    const invalid = await call('POST', `/admin/dlq/records/${orderIds[0]}/edit`, {
      order: {
        customerId: 'c',
        currency: 'EUR',
        items: [{ sku: 'S', quantity: 0, unitPriceCents: 1 }],
      },
    });
    const envelope = await call('POST', `/admin/dlq/records/${orderIds[0]}/edit`, {
      order: { orderId: 'x', customerId: 'c' },
    });
    const dryRun = await call('POST', `/admin/dlq/records/${orderIds[0]}/edit`, {
      dryRun: true,
      order: {
        customerId: 'customer-1',
        currency: 'EUR',
        items: [{ sku: 'SKU-1', quantity: 3, unitPriceCents: 1999 }],
      },
    });

    expect(shown.status).toBe(200);
    expect(shown.body[0].attempts[0].attributes['failure-code'].StringValue).toBe(
      'INVALID_ENVELOPE',
    );
    expect(invalid).toMatchObject({ status: 400, body: { code: 'INVALID_ORDER' } });
    expect(invalid.body.fields.length).toBeGreaterThan(0);
    expect(envelope).toMatchObject({ status: 400, body: { code: 'INVALID_ORDER' } });
    expect(dryRun.body.diff).toEqual(
      expect.arrayContaining([
        { path: 'items.0.quantity', before: 2, after: 3 },
        { path: 'items.1', before: expect.anything() },
      ]),
    );
  });

  it('should plan, refuse a second apply, cancel, and keep the frozen set', async () => {
    const plan = await call('POST', '/admin/dlq/plans', { code: 'INVALID_ENVELOPE' });
    expect(plan.status).toBe(201);
    expect(plan.body.plan.total).toBe(25);
    expect(plan.body.sample).toHaveLength(10);
    const cancelled = await call('POST', `/admin/dlq/plans/${plan.body.plan.id}/cancel`, {});
    const apply = await call('POST', `/admin/dlq/plans/${plan.body.plan.id}/apply`, {});
    const status = await call('GET', `/admin/dlq/plans/${plan.body.plan.id}?limit=5`);

    expect(cancelled.body.state).toBe('cancelled');
    expect(apply).toMatchObject({ status: 409, body: { code: 'PLAN_NOT_APPLICABLE' } });
    expect(status.body.counts).toEqual({
      stored: 0,
      failed_again: 0,
      pending: 0,
      not_sent: 25,
      skipped: 0,
    });
    expect(status.body.items).toHaveLength(5);
  });

  it('should refuse a bulk discard without the count, triage a group, and audit both under the login', async () => {
    const refused = await call('POST', '/admin/dlq/discard', { code: 'INVALID_ENVELOPE' });
    const unfiltered = await call('POST', '/admin/dlq/discard', {});
    const triaged = await call('PUT', '/admin/dlq/groups/invalid_envelope/triage', {
      owner: 'jane',
      note: 'currency bug',
      onHold: true,
    });
    const groups = await call('GET', '/admin/dlq/groups');
    const audit = await call('GET', '/admin/dlq/audit');

    expect(refused).toMatchObject({ status: 400, body: { code: 'CONFIRMATION_REQUIRED' } });
    expect(refused.body.message).toContain('25 records match');
    expect(unfiltered).toMatchObject({ status: 400, body: { code: 'FILTER_REQUIRED' } });
    expect(triaged.status).toBe(200);
    expect(groups.body).toEqual([
      expect.objectContaining({
        failureCode: 'INVALID_ENVELOPE',
        count: 25,
        owner: 'jane',
        onHold: true,
      }),
    ]);
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['triage', 'redrive.plan', 'redrive.cancel']),
    );
    expect(JSON.stringify(audit.body)).not.toContain('SKU-1');
  });
});

describe('intake while the database is down (real SQS emulator)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let queues: QueuePair;
  let app: NestFastifyApplication;

  afterAll(async () => {
    await app?.close();
    await receiver.close();
  });

  it('should pause, leave the letters in the DLQ, show the pause in health and metrics, and alert the stall', async () => {
    await receiver.start();
    queues = await createQueuePair(sqs);
    await sendAll(sqs, queues.dlqUrl, deadOrders(5, 'REJECTED_BY_DATABASE', 'x').seeds);
    app = await startSidecar(
      sidecarEnv(queues, {
        DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none',
        DLQ_STALL_ALERT_SECONDS: '1',
        ALERT_WEBHOOK_URL: receiver.webhookUrl,
      }),
    );
    await app.getHttpAdapter().getInstance().ready();

    await eventually(async () => {
      const ready = (await app.inject({ method: 'GET', url: '/health/ready' })).json();
      expect(ready.details.ingestion).toMatchObject({ status: 'up', paused: true });
    }, 15_000);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('dlq_intake_paused 1');
    await eventually(() => {
      expect(
        receiver
          .slack()
          .map((message) => message.text)
          .join(),
      ).toContain('intake paused');
      return Promise.resolve();
    }, 15_000);
    expect((await queueDepth(sqs, queues.dlqUrl)).total).toBe(5);
  });
});
