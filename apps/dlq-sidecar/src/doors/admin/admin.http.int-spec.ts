import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { createHash } from 'node:crypto';
import { createSidecarApp } from '../../create-sidecar-app';
import { deadOrders, sendAll } from '../../../testing/dead-letter.seeds';
import { baseEnv, queueDepth } from '../../../testing/processes';

const KEY = 'admin-test-key';

async function startSidecar(
  queues: QueuePair,
  overrides: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const config = loadConfig(DlqSidecarConfig, {
    ...baseEnv(queues),
    ALERT_LOG: 'false',
    DLQ_POLL_INTERVAL_MS: '500',
    DLQ_CLI_VISIBILITY_SECONDS: '5',
    ...overrides,
  });
  const app = await createSidecarApp(config, false);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('admin HTTP API, health and metrics (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    await sendAll(sqs, queues.dlqUrl, deadOrders(3, 'INVALID_ENVELOPE', 'bad envelope').seeds);
    app = await startSidecar(queues, {
      ADMIN_API_KEY_SHA256: createHash('sha256').update(KEY).digest('hex'),
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('should refuse requests without the right key', async () => {
    const missing = await app.inject({ method: 'GET', url: '/admin/dlq' });
    const wrong = await app.inject({
      method: 'GET',
      url: '/admin/dlq',
      headers: { authorization: 'Bearer nope' },
    });

    expect(missing.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
  });

  it('should list dead letters grouped by reason, and leave them in the DLQ', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/admin/dlq?reason=INVALID_ENVELOPE',
      headers: auth,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      matched: 3,
      groups: [{ reason: 'INVALID_ENVELOPE', count: 3 }],
    });
    await eventually(async () =>
      expect(await queueDepth(sqs, queues.dlqUrl)).toMatchObject({
        visible: 3,
      }),
    );
  });

  it('should map operation errors to HTTP answers', async () => {
    const noFilter = await app.inject({
      method: 'POST',
      url: '/admin/dlq/redrive',
      headers: auth,
      payload: {},
    });
    const badTime = await app.inject({
      method: 'GET',
      url: '/admin/dlq?since=yesterday',
      headers: auth,
    });
    const unconfirmed = await app.inject({
      method: 'POST',
      url: '/admin/dlq/purge',
      headers: auth,
      payload: { all: true },
    });
    const missing = await app.inject({
      method: 'GET',
      url: '/admin/dlq/messages/unknown',
      headers: auth,
    });

    expect([noFilter.statusCode, noFilter.json().code]).toEqual([400, 'FILTER_REQUIRED']);
    expect([badTime.statusCode, badTime.json().code]).toEqual([400, 'INVALID_REQUEST']);
    expect([unconfirmed.statusCode, unconfirmed.json().code]).toEqual([
      400,
      'CONFIRMATION_REQUIRED',
    ]);
    expect(missing.statusCode).toBe(404);
  });

  it('should refuse an edited order that breaks the contract, naming the fields, and send nothing', async () => {
    const listed = await app.inject({
      method: 'GET',
      url: '/admin/dlq?reason=INVALID_ENVELOPE',
      headers: auth,
    });
    const [letter] = listed.json().letters;

    const response = await app.inject({
      method: 'POST',
      url: `/admin/dlq/messages/${letter.orderId}/edit`,
      headers: auth,
      payload: { order: { customerId: '', currency: 'EUR', items: [] } },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'INVALID_ORDER',
      fields: expect.arrayContaining([
        expect.objectContaining({ field: 'order.customerId' }),
        expect.objectContaining({ field: 'order.items' }),
      ]),
    });
    expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({ total: 0 });
  });

  it('should redrive, audit who did it, and count it in /metrics', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/admin/dlq/redrive',
      headers: auth,
      payload: { reason: 'INVALID_ENVELOPE' },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'completed',
      matched: 3,
      succeeded: 3,
    });
    expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({
      visible: 3,
    });
    const audit = await app.inject({
      method: 'GET',
      url: '/admin/dlq/audit',
      headers: auth,
    });
    expect(audit.json()[0]).toMatchObject({
      action: 'redrive',
      via: 'http',
      actor: 'admin-api (api-key)',
      succeeded: 3,
    });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('dlq_redriven_messages_total 3');
  });

  it('should report depth and oldest age in /metrics and answer the health checks', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(2, 'MALFORMED_JSON', 'not json').seeds);

    await eventually(
      async () =>
        expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
          /dlq_depth\{state="visible"\} 2/,
        ),
      10_000,
    );
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/dlq_oldest_message_age_seconds \d/);
    expect(metrics).toMatch(/dlq_watcher_role\{role="leader"\} 1/);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).json()).toMatchObject({
      status: 'ok',
      info: { dlq: { status: 'up' } },
    });
  });

  it('should not mount the admin API at all when no key is configured', async () => {
    const other = await createQueuePair(sqs);
    const plain = await startSidecar(other);
    try {
      const response = await plain.inject({
        method: 'GET',
        url: '/admin/dlq',
        headers: auth,
      });

      expect(response.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
