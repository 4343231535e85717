import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { asciiJson, buildOrderAcceptedEnvelope, MessageAttribute } from '@orders/contracts';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  globalSetupServices,
  loadStackHarness,
  migratedDatabase,
  QueuePair,
  RunningStack,
  StackHarness,
  testSqsClient,
} from '@orders/testing';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';

// OTLP/JSON span kinds.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };

// The processor stores orders and items in one statement: WITH orders AS (INSERT INTO orders …).
const isOrderInsert = (span: ExportedSpan) =>
  String(span.attributes['db.query.text'] ?? '').includes('INSERT INTO orders');

const valuesOf = (attributes: OtlpAttribute[] = []) =>
  Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.boolValue ?? value,
    ]),
  );

/** A local OTLP/HTTP receiver: what a collector would get from the three apps. */
async function startOtlpReceiver(): Promise<{
  url: string;
  spans: ExportedSpan[];
  /** Every export request's body as received. */
  bodies: string[];
  server: Server;
}> {
  const spans: ExportedSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        const body = JSON.parse(bodies[bodies.length - 1]);
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = String(valuesOf(resourceSpans.resource?.attributes)['service.name']);
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId || undefined,
                name: span.name,
                kind: span.kind,
                attributes: valuesOf(span.attributes),
                links: (span.links ?? []).map((link: { traceId: string; spanId: string }) => ({
                  traceId: link.traceId,
                  spanId: link.spanId,
                })),
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    server,
  };
}

describe('one order as one trace (built apps exporting to a local OTLP receiver)', () => {
  const sqs = testSqsClient();
  const apiKey = `key-${randomUUID()}`;
  const adminKey = `admin-${randomUUID()}`;
  let harness: StackHarness;
  let database: LazyDataSource;
  let queues: QueuePair;
  let stack: RunningStack;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const logs: Array<{ app: string; line: Record<string, unknown> }> = [];

  const find = (predicate: (span: ExportedSpan) => boolean, what: string): ExportedSpan => {
    const found = receiver.spans.find(predicate);
    if (!found) {
      throw new Error(`no exported span: ${what} (got ${receiver.spans.length} spans)`);
    }
    return found;
  };
  const queueName = () => queues.queueUrl.split('/').pop() as string;
  const dlqName = () => queues.dlqUrl.split('/').pop() as string;
  const stored = async (orderId: string) =>
    (await database.dataSource.query('SELECT 1 FROM orders WHERE order_id = $1', [orderId]))
      .length === 1;
  const postOrder = async (
    customerId: string,
    headers: Record<string, string> = {},
    sku = 'SKU-T',
  ) => {
    const response = await fetch(`${stack.urls.gateway}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${apiKey}`,
        cookie: 'session=secret-cookie',
        'idempotency-key': randomUUID(),
        ...headers,
      },
      body: JSON.stringify({
        customerId,
        currency: 'EUR',
        items: [{ sku, quantity: 1, unitPriceCents: 700 }],
      }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  };

  beforeAll(async () => {
    harness = await loadStackHarness();
    database = await migratedDatabase();
    receiver = await startOtlpReceiver();
    queues = await createQueuePair(sqs);
    stack = await harness.startStack({
      ...globalSetupServices(queues),
      apps: ['gateway', 'processor', 'dlq-sidecar'],
      env: {
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      appEnv: {
        gateway: {
          AUTH_REQUIRED: 'true',
          API_KEYS: `tracing-e2e:${harness.sha256Hex(apiKey)}`,
        },
        // One poller: messages sent together are received together (the batch test needs it).
        processor: { SQS_WAIT_TIME_SECONDS: '1', POLLERS: '1' },
        'dlq-sidecar': {
          ADMIN_API_KEY_SHA256: harness.sha256Hex(adminKey),
          DLQ_POLL_INTERVAL_MS: '500',
          DLQ_WAIT_TIME_SECONDS: '1',
        },
      },
      log: (app, line) => {
        try {
          logs.push({ app, line: JSON.parse(line) });
        } catch {
          // Not a log line of ours (e.g. a Node warning).
        }
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await database?.close();
    receiver?.server.close();
  });

  it('should put POST /orders, the SQS send, the processing and the INSERT in one trace', async () => {
    const orderId = await postOrder(`traced-${randomUUID()}`);
    await eventually(async () => expect(await stored(orderId)).toBe(true), 15_000);

    await eventually(async () => {
      const server = find(
        (span) =>
          span.service === 'gateway' && span.kind === SERVER && span.name === 'POST /orders',
        'gateway HTTP server span',
      );
      expect(server.attributes).toMatchObject({
        'http.route': '/orders',
        'http.request.method': 'POST',
        'http.response.status_code': 202,
      });
      const create = find(
        (span) => span.kind === PRODUCER && span.parentSpanId === server.spanId,
        'create span under POST /orders',
      );
      expect(create).toMatchObject({
        service: 'gateway',
        traceId: server.traceId,
        name: `create ${queueName()}`,
        attributes: expect.objectContaining({
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'create',
          'messaging.destination.name': queueName(),
        }),
      });
      // The order travels alone, so the batch spans continue its trace; they link to it as well.
      const linksToCreate = (span: ExportedSpan) =>
        span.links.some((link) => link.spanId === create.spanId);
      const send = find(
        (span) => span.kind === CLIENT && linksToCreate(span),
        'SendMessageBatch span linking to the create span',
      );
      expect(send).toMatchObject({
        service: 'gateway',
        traceId: server.traceId,
        parentSpanId: create.spanId,
        name: `send ${queueName()}`,
        attributes: expect.objectContaining({
          'messaging.operation.type': 'send',
          'messaging.batch.message_count': 1,
        }),
      });
      const process = find(
        (span) => span.kind === CONSUMER && linksToCreate(span),
        'processor batch span linking to the create span',
      );
      expect(process).toMatchObject({
        service: 'processor',
        traceId: server.traceId,
        parentSpanId: create.spanId,
        name: `process ${queueName()}`,
        attributes: expect.objectContaining({
          'messaging.operation.type': 'process',
          'messaging.batch.message_count': 1,
        }),
      });
      const insert = find(
        (span) => span.parentSpanId === process.spanId && isOrderInsert(span),
        'INSERT under the process span',
      );
      expect(insert).toMatchObject({ service: 'processor', traceId: server.traceId, kind: CLIENT });
      // The trace id is on the log lines of both apps for this order, and no secret is.
      const traced = logs.filter(({ line }) => line.trace_id === server.traceId);
      expect(traced.map(({ app }) => app)).toEqual(
        expect.arrayContaining(['gateway', 'processor']),
      );
      const access = traced.find(({ line }) => line.context === 'AccessLog')?.line as {
        req: { headers: Record<string, string> };
        res: { statusCode: number };
      };
      expect(access.res.statusCode).toBe(202);
      // Only allowlisted headers are written: no credential, not even redacted.
      expect(access.req.headers).toMatchObject({ 'content-type': 'application/json' });
      expect(access.req.headers).not.toHaveProperty('authorization');
      expect(access.req.headers).not.toHaveProperty('cookie');
      expect(JSON.stringify(logs)).not.toContain(apiKey);
    }, 15_000);
  });

  it('should export no order content: a marker customer id and SKU appear in no span, however the order travels', async () => {
    const marker = `marker-${randomUUID()}`;
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const orderId = await postOrder(
      `${marker}-customer`,
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      `${marker}-sku`.slice(0, 64),
    );
    await eventually(async () => expect(await stored(orderId)).toBe(true), 15_000);

    const traceId = await eventually(async () => {
      const server = find(
        (span) =>
          span.service === 'gateway' &&
          span.kind === SERVER &&
          span.links.some((link) => link.spanId === callerSpan),
        "gateway server span linking to the caller's span",
      );
      // The caller's trace is a link, never the parent: the order is a trace of its own.
      expect(server.traceId).not.toBe(callerTrace);
      expect(server.parentSpanId).toBeUndefined();
      find(
        (span) => span.traceId === server.traceId && isOrderInsert(span),
        "the INSERT in the order's trace",
      );
      return server.traceId;
    }, 15_000);

    expect(receiver.spans.some((span) => span.traceId === callerTrace)).toBe(false);
    const exported = receiver.bodies.join('\n');
    expect(exported).toContain(traceId);
    expect(exported).not.toContain(marker);
  });

  it("should start a trace of its own for an admin request to the sidecar, the caller's a link", async () => {
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const response = await fetch(`${stack.urls['dlq-sidecar']}/admin/dlq/records`, {
      headers: {
        authorization: `Bearer ${adminKey}`,
        traceparent: `00-${callerTrace}-${callerSpan}-01`,
      },
    });
    expect(response.status).toBe(200);

    await eventually(async () => {
      const server = find(
        (span) =>
          span.service === 'dlq-sidecar' &&
          span.kind === SERVER &&
          span.links.some((link) => link.spanId === callerSpan),
        "sidecar server span linking to the caller's span",
      );
      expect(server.traceId).not.toBe(callerTrace);
      expect(server.parentSpanId).toBeUndefined();
    }, 15_000);
    expect(receiver.spans.some((span) => span.traceId === callerTrace)).toBe(false);
  });

  it('should link the redrive of a dead-lettered order to the trace it was first sent in', async () => {
    const customerId = `blocked-${randomUUID()}`;
    const constraint = `tracing_e2e_${randomUUID().slice(0, 8)}`;
    // A check the database enforces is a permanent failure: the order goes to the DLQ at once.
    await database.dataSource.query(
      `ALTER TABLE orders ADD CONSTRAINT ${constraint} CHECK (customer_id <> '${customerId}') NOT VALID`,
    );
    let orderId = '';
    try {
      orderId = await postOrder(customerId);
      await eventually(
        async () =>
          find(
            (span) =>
              span.service === 'processor' &&
              span.kind === PRODUCER &&
              span.attributes['messaging.destination.name'] === dlqName(),
            'dead-letter send',
          ),
        15_000,
      );
    } finally {
      await database.dataSource.query(`ALTER TABLE orders DROP CONSTRAINT ${constraint}`);
    }
    // The processor's log line about this order names the trace it was handled in. Each app
    // exports on its own schedule: the gateway's spans may arrive after the processor's.
    const failed = logs.find(
      ({ app, line }) => app === 'processor' && line.orderId === orderId && line.trace_id,
    );
    const created = await eventually(
      async () =>
        find(
          (span) =>
            span.service === 'gateway' &&
            span.kind === PRODUCER &&
            span.traceId === failed?.line.trace_id,
          'the create span of the dead-lettered order',
        ),
      15_000,
    );
    // The dead letter was sent in the order's own trace.
    find(
      (span) =>
        span.attributes['messaging.destination.name'] === dlqName() &&
        span.traceId === created.traceId,
      'dead-letter send in the order trace',
    );

    // The sidecar records the letter first; the plan then names it, and applying it sends it.
    const admin = (path: string, body: object) =>
      fetch(`${stack.urls['dlq-sidecar']}/admin/dlq/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify(body),
      });
    const plan = await eventually(async () => {
      const planned = (await (await admin('plans', { order: orderId })).json()) as {
        plan: { id: string; total: number };
      };
      expect(planned.plan.total).toBe(1);
      return planned.plan;
    }, 15_000);
    expect((await admin(`plans/${plan.id}/apply`, {})).status).toBe(202);
    await eventually(async () => expect(await stored(orderId)).toBe(true), 15_000);

    await eventually(async () => {
      const redriveSpan = find(
        (span) => span.service === 'dlq-sidecar' && span.name === `redrive ${queueName()}`,
        'redrive span',
      );
      // The letter carries the context of its dead-letter send, a span of the order's first trace.
      expect(redriveSpan.links.map((link) => link.traceId)).toContain(created.traceId);
      expect(redriveSpan.traceId).not.toBe(created.traceId);
      const second = find(
        (span) =>
          span.service === 'processor' &&
          span.kind === CONSUMER &&
          span.traceId === redriveSpan.traceId,
        'processing of the redriven order in the redrive trace',
      );
      find(
        (span) => span.parentSpanId === second.spanId && isOrderInsert(span),
        'INSERT of the redriven order',
      );
    }, 15_000);
  });
  it('should store a batch of orders in one span of its own, linked to each order, logged in each trace', async () => {
    // Sent straight to SQS in one call, as if by three requests: one receive gets them all.
    const orders = Array.from({ length: 3 }, () => ({
      orderId: randomUUID(),
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
    }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: orders.map((order, index) => ({
          Id: String(index),
          MessageBody: asciiJson(
            buildOrderAcceptedEnvelope(order.orderId, new Date(), {
              customerId: `batched-${index}`,
              currency: 'EUR',
              items: [{ sku: 'SKU-B', quantity: 1, unitPriceCents: 100 }],
            }),
          ),
          MessageAttributes: {
            [MessageAttribute.TraceParent]: {
              DataType: 'String',
              StringValue: `00-${order.traceId}-${order.spanId}-01`,
            },
          },
        })),
      }),
    );
    for (const order of orders) {
      await eventually(async () => expect(await stored(order.orderId)).toBe(true), 15_000);
    }

    await eventually(async () => {
      const batch = find(
        (span) =>
          span.kind === CONSUMER &&
          orders.every((order) => span.links.some((link) => link.spanId === order.spanId)),
        'one processor span linking to the three orders',
      );
      expect(batch).toMatchObject({
        service: 'processor',
        attributes: expect.objectContaining({ 'messaging.batch.message_count': 3 }),
      });
      expect(batch.parentSpanId).toBeUndefined();
      expect(orders.map((order) => order.traceId)).not.toContain(batch.traceId);
      find(
        (span) => span.parentSpanId === batch.spanId && isOrderInsert(span),
        'the one INSERT of the batch',
      );
      // Each order's log line is in its own trace and names the batch's.
      for (const order of orders) {
        const handled = logs.find(
          ({ app, line }) =>
            app === 'processor' &&
            line.orderId === order.orderId &&
            line.msg === 'order message handled',
        )?.line;
        expect(handled).toMatchObject({ trace_id: order.traceId, batchTraceId: batch.traceId });
      }
    }, 15_000);
  });
});
