import { orderFactory } from '@orders/contracts/testing';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig, loadConfig } from '@orders/config';
// The app loads persistence lazily (order-store.ts); the test seeds the database with it directly.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { LazyDataSource, OrdersRepository } from '@orders/persistence';
import {
  createQueuePair,
  migratedDatabase,
  QueuePair,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { createHash, randomUUID } from 'node:crypto';
import { AddressInfo, connect } from 'node:net';
import type { Pool } from 'pg';
import { createGatewayApp } from './create-gateway-app';
import { OrderPublisher } from '../orders/order-publisher';
import { OrderStore } from '../orders/order-store';
import { OrdersErrorCode, OrdersException } from '../orders/orders.exception';

// What every answer, accepted or refused, must carry (written out, not imported, so a header
// dropped from the gateway fails here).
const HARDENING_HEADERS = {
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

const API_KEY = 'test-key-shop-a';
const OTHER_API_KEY = 'test-key-shop-b';
const validOrder = orderFactory.order({
  customerId: 'customer-7',
  currency: 'USD',
  items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 }],
});

function gatewayConfig(queues: QueuePair, overrides: Record<string, string> = {}): GatewayConfig {
  const stack = testStack();
  return loadConfig(GatewayConfig, {
    AWS_REGION: stack.region,
    SQS_ENDPOINT: stack.sqsEndpoint,
    ORDERS_QUEUE_URL: queues.queueUrl,
    ORDERS_DLQ_URL: queues.dlqUrl,
    DATABASE_URL: stack.databaseUrl,
    API_KEYS: [
      `shop-a:${createHash('sha256').update(API_KEY).digest('hex')}`,
      `shop-b:${createHash('sha256').update(OTHER_API_KEY).digest('hex')}`,
    ].join(','),
    AUTH_REQUIRED: 'true',
    LOG_LEVEL: 'error',
    ...overrides,
  });
}

async function startGateway(config: GatewayConfig): Promise<NestFastifyApplication> {
  const app = await createGatewayApp(config, false);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('POST /orders and GET /orders/:id (real SQS emulator and PostgreSQL)', () => {
  const sqs = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/orders',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${API_KEY}`,
        ...headers,
      },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    database = await migratedDatabase();
  });

  beforeEach(async () => {
    queues = await createQueuePair(sqs);
    app = await startGateway(gatewayConfig(queues));
  });

  afterEach(() => app.close());
  afterAll(() => database.close());

  it('should answer 202 with the order id and Location only once the envelope is in the queue', async () => {
    const response = await post(validOrder, { 'x-request-id': 'corr-123' });

    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({ orderId: expect.any(String), status: 'accepted' });
    expect(response.headers.location).toBe(`/orders/${body.orderId}`);
    expect(response.headers).toMatchObject(HARDENING_HEADERS);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages?.[0].Body ?? '{}');
    expect(envelope).toMatchObject({
      type: 'order.accepted',
      version: 1,
      orderId: body.orderId,
      clientId: 'shop-a',
      order: validOrder,
    });
    expect(Date.parse(envelope.acceptedAt)).not.toBeNaN();
    expect(received.Messages?.[0].MessageAttributes?.['correlation-id']?.StringValue).toBe(
      'corr-123',
    );
  });

  it.each([
    ['a missing customerId', { ...validOrder, customerId: undefined }, ['customerId']],
    ['an unknown field', { ...validOrder, discount: 5 }, ['discount']],
    [
      'a float price and a zero quantity',
      { ...validOrder, items: [{ sku: 'S', quantity: 0, unitPriceCents: 1.5 }] },
      ['items.0.quantity', 'items.0.unitPriceCents'],
    ],
    ['a bad currency', { ...validOrder, currency: 'usd' }, ['currency']],
    ['no items', { ...validOrder, items: [] }, ['items']],
    ['a JSON array instead of an object', [{ customerId: 'c' }], ['(body)']],
    [
      '101 items',
      { ...validOrder, items: Array.from({ length: 101 }, () => validOrder.items[0]) },
      ['items'],
    ],
  ])(
    'should answer 400 naming each bad field for %s, and enqueue nothing',
    async (_case, body, fields) => {
      const response = await post(body);

      expect(response.statusCode).toBe(400);
      expect(
        response
          .json()
          .fields.map((field: { field: string }) => field.field)
          .sort(),
      ).toEqual([...fields].sort());
      expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
    },
  );

  it('should answer 400 for malformed JSON, 415 for another content type, 413 above the body limit — enqueueing nothing', async () => {
    const malformed = await post('{"customerId": ');
    const wrongType = await post(JSON.stringify(validOrder), { 'content-type': 'text/plain' });
    const tooLarge = await post({ ...validOrder, customerId: 'x'.repeat(70 * 1024) });

    expect([malformed.statusCode, wrongType.statusCode, tooLarge.statusCode]).toEqual([
      400, 415, 413,
    ]);
    expect(malformed.json().message).toMatch(/JSON/);
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });

  it('should answer 401 without a valid API key, and enqueue nothing', async () => {
    const missing = await post(validOrder, { authorization: '' });
    const wrong = await post(validOrder, { authorization: 'Bearer not-a-key' });

    expect([missing.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.headers).toMatchObject(HARDENING_HEADERS);
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });

  it('should answer 429 with Retry-After when the key exceeds its rate limit', async () => {
    await app.close();
    app = await startGateway(gatewayConfig(queues, { RATE_LIMIT_PER_MINUTE: '30' }));

    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await post(validOrder)).statusCode);
    }
    const limited = await post(validOrder);

    expect(statuses).toEqual([202, 202, 202]);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('should give a retried request with the same Idempotency-Key the same order id', async () => {
    const first = await post(validOrder, { 'idempotency-key': 'checkout-42' });
    const second = await post(validOrder, { 'idempotency-key': 'checkout-42' });
    const other = await post(validOrder, { 'idempotency-key': 'checkout-43' });

    expect(first.json().orderId).toBe(second.json().orderId);
    expect(other.json().orderId).not.toBe(first.json().orderId);
  });

  it('should answer 503 with Retry-After, never 202, when SQS is unreachable', async () => {
    await app.close();
    app = await startGateway(
      gatewayConfig(queues, {
        SQS_ENDPOINT: 'http://127.0.0.1:9',
        SQS_REQUEST_TIMEOUT_MS: '300',
        SEND_TIMEOUT_MS: '1500',
      }),
    );

    const responses = await Promise.all(Array.from({ length: 5 }, () => post(validOrder)));

    expect(responses.map((response) => response.statusCode)).toEqual([503, 503, 503, 503, 503]);
    // RETRY_AFTER_SECONDS (5) plus up to 100 % jitter.
    expect(Number(responses[0].headers['retry-after'])).toBeGreaterThanOrEqual(5);
    expect(Number(responses[0].headers['retry-after'])).toBeLessThanOrEqual(10);
    expect(responses[0].json().code).toBe('QUEUE_UNAVAILABLE');
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
  });

  it('should open its read pool on the first GET only, and end it on shutdown', async () => {
    const store = app.get(OrderStore);
    expect(store.poolStats()).toBeUndefined();

    const missing = await app.inject({
      method: 'GET',
      url: `/orders/${randomUUID()}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const pool = store.poolStats() as Pool;
    await app.close();

    expect(missing.statusCode).toBe(404);
    expect(pool).toMatchObject({ ended: true, totalCount: 0 });
  });

  it('should read a stored order back, 404 before it is stored, 400 for a malformed id', async () => {
    const orderId = randomUUID();
    const headers = { authorization: `Bearer ${API_KEY}` };

    const before = await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers });
    await new OrdersRepository(database).insertMany([
      {
        orderId,
        customerId: 'c-9',
        currency: 'EUR',
        acceptedAt: new Date('2026-05-01T10:00:00Z'),
        correlationId: null,
        clientId: 'shop-a',
        items: [{ sku: 'A', quantity: 3, unitPriceCents: 250 }],
      },
    ]);
    const after = await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers });
    const malformed = await app.inject({ method: 'GET', url: '/orders/42', headers });

    expect(before.statusCode).toBe(404);
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({
      orderId,
      customerId: 'c-9',
      currency: 'EUR',
      items: [{ sku: 'A', quantity: 3, unitPriceCents: 250 }],
      totalCents: 750,
      status: 'stored',
      acceptedAt: '2026-05-01T10:00:00.000Z',
      storedAt: expect.any(String),
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('should keep accepting orders while the database is unreachable, and answer 503 to reads', async () => {
    await app.close();
    app = await startGateway(
      gatewayConfig(queues, {
        DATABASE_URL: 'postgres://nobody:x@127.0.0.1:9/none',
        DB_CONNECT_TIMEOUT_MS: '300',
      }),
    );

    const accepted = await post(validOrder);
    const read = await app.inject({
      method: 'GET',
      url: `/orders/${accepted.json().orderId}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(accepted.statusCode).toBe(202);
    expect(read.statusCode).toBe(503);
    expect(Number(read.headers['retry-after'])).toBeGreaterThanOrEqual(5);
    expect(ready.statusCode).toBe(200);
  });

  it('should publish an OpenAPI document covering both endpoints and their error answers', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    const document = response.json();

    expect(response.statusCode).toBe(200);
    expect(document.openapi).toMatch(/^3\./);
    expect(
      Object.keys(document.paths.orders ?? document.paths['/orders'].post.responses).length,
    ).toBeGreaterThan(0);
    expect(Object.keys(document.paths['/orders'].post.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(Object.keys(document.paths['/orders/{orderId}'].get.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '429',
      '500',
      '503',
    ]);
    // Every $ref must resolve inside the document.
    const refs = JSON.stringify(document).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of refs) {
      expect(
        document.components.schemas[ref.split('/').pop()?.replace('"', '') ?? ''],
      ).toBeDefined();
    }
    expect(document.components.schemas.CreateOrderDto.required).toEqual(
      expect.arrayContaining(['customerId', 'currency', 'items']),
    );
  });

  it('should expose Prometheus metrics for accepted and rejected orders and batch sizes', async () => {
    await post(validOrder);
    await post({});

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;

    expect(metrics).toMatch(/^orders_accepted_total 1$/m);
    expect(metrics).toMatch(/^orders_rejected_total\{reason="400"\} 1$/m);
    expect(metrics).toMatch(/^sqs_send_batch_size_count 1$/m);
    expect(metrics).toMatch(/^http_request_duration_seconds_bucket/m);
  });

  const receiveAll = async () =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  it("should answer 404 for another client's order exactly as for an unknown id", async () => {
    const orderId = randomUUID();
    const unknownId = randomUUID();
    await new OrdersRepository(database).insertMany([
      {
        orderId,
        customerId: 'c-9',
        currency: 'EUR',
        acceptedAt: new Date(),
        correlationId: null,
        clientId: 'shop-a',
        items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }],
      },
    ]);
    const read = (id: string, key: string) =>
      app.inject({ method: 'GET', url: `/orders/${id}`, headers: { 'x-api-key': key } });

    const owner = await read(orderId, API_KEY);
    const other = await read(orderId, OTHER_API_KEY);
    const unknown = await read(unknownId, OTHER_API_KEY);

    expect(owner.statusCode).toBe(200);
    expect([other.statusCode, unknown.statusCode]).toEqual([404, 404]);
    expect(other.json()).toEqual({
      ...unknown.json(),
      message: unknown.json().message.replace(unknownId, orderId),
    });
    expect(Object.keys(other.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
  });

  it('should authenticate before the body is read: a wrong key with a broken or huge body is 401', async () => {
    const broken = await post('{"customerId": ', { authorization: 'Bearer wrong' });
    const huge = await post(
      { ...validOrder, customerId: 'x'.repeat(70 * 1024) },
      { authorization: 'Bearer wrong' },
    );

    expect([broken.statusCode, huge.statusCode]).toEqual([401, 401]);
    expect(broken.json().code).toBe('INVALID_API_KEY');
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });

  it('should answer 401 on a real socket while the body has not even been sent', async () => {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const firstLine = new Promise<string>((resolve) =>
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1').split('\r\n')[0])),
    );

    // The headers announce 1000 bytes of body; none follow.
    socket.write(
      'POST /orders HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\nAuthorization: Bearer wrong\r\n\r\n',
    );
    const answer = await Promise.race([
      firstLine,
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 3 s'), 3000)),
    ]);
    socket.destroy();

    expect(answer).toBe('HTTP/1.1 401 Unauthorized');
  });

  it('should throttle wrong keys per source address with 429 and Retry-After, but not a key that authenticated there recently', async () => {
    const attempt = (key: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: '/orders',
        remoteAddress,
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        payload: JSON.stringify(validOrder),
      });

    // One shop behind the NAT has just placed an order; someone else there is guessing keys.
    const before = await attempt(OTHER_API_KEY, '192.0.2.7');
    const wrong = [];
    for (let index = 0; index < 10; index++) {
      wrong.push((await attempt(`guess-${index}`, '192.0.2.7')).statusCode);
    }
    const throttled = await attempt('guess-10', '192.0.2.7');
    const recentKeySameAddress = await attempt(OTHER_API_KEY, '192.0.2.7');
    const unprovenKeySameAddress = await attempt(API_KEY, '192.0.2.7');
    const sameIpv6Block = [];
    for (let index = 0; index < 11; index++) {
      sameIpv6Block.push((await attempt('guess', `2001:db8:1:2::${index + 1}`)).statusCode);
    }
    const otherAddress = await attempt(API_KEY, '192.0.2.8');

    expect(before.statusCode).toBe(202);
    expect(wrong).toEqual(Array(10).fill(401));
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().code).toBe('TOO_MANY_FAILED_ATTEMPTS');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(recentKeySameAddress.statusCode).toBe(202);
    // A right key not seen lately cannot be told from a lucky guess: no answer about it.
    expect(unprovenKeySameAddress.statusCode).toBe(429);
    expect(sameIpv6Block.slice(10)).toEqual([429]);
    expect(otherAddress.statusCode).toBe(202);
  });

  it('should count wrong keys by the address our proxies report, never by text a caller wrote', async () => {
    const attempt = (forwardedFor: string, remoteAddress = '127.0.0.1') =>
      app.inject({
        method: 'GET',
        url: `/orders/${randomUUID()}`,
        remoteAddress,
        headers: { 'x-api-key': 'guess', 'x-forwarded-for': forwardedFor },
      });
    const statuses = async (forwardedFor: (index: number) => string, remoteAddress?: string) => {
      const seen = [];
      for (let index = 0; index < 11; index++) {
        seen.push((await attempt(forwardedFor(index), remoteAddress)).statusCode);
      }
      return seen;
    };

    // Directly exposed: a made-up header must not buy an attacker fresh addresses.
    const direct = await statuses((index) => `198.51.100.${index}`);
    await app.close();
    app = await startGateway(gatewayConfig(queues, { TRUSTED_PROXY_CIDRS: '127.0.0.0/8' }));
    const behindProxyManyClients = await statuses((index) => `198.51.100.${index}`);
    const behindProxyOneClient = await statuses(() => '198.51.100.200');
    // Not an address: counted by the proxy that passed it on, not by a bucket named by the caller.
    const notAnAddress = await statuses((index) => `client-${index}`);
    // Reached without the proxy (another pod, a monitoring namespace): its header is not believed.
    const aroundTheProxy = await statuses((index) => `198.51.100.${index + 20}`, '10.1.2.3');

    expect(direct.slice(10)).toEqual([429]);
    expect(behindProxyManyClients).toEqual(Array(11).fill(401));
    expect(behindProxyOneClient.slice(10)).toEqual([429]);
    expect(notAnAddress.slice(10)).toEqual([429]);
    expect(aroundTheProxy.slice(10)).toEqual([429]);
  });

  it('should replace an x-request-id that cannot be stored, and say so in the answer', async () => {
    const kept = await post(validOrder, { 'x-request-id': 'r'.repeat(128) });
    const tooLong = await post(validOrder, { 'x-request-id': 'r'.repeat(129) });
    const latin1 = await post(validOrder, { 'x-request-id': 'caf\u00c3\u00a9' });

    expect([kept.statusCode, tooLong.statusCode, latin1.statusCode]).toEqual([202, 202, 202]);
    expect(kept.headers['x-request-id']).toBe('r'.repeat(128));
    expect(kept.headers['x-request-id-replaced']).toBeUndefined();
    for (const replaced of [tooLong, latin1]) {
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(replaced.headers['x-request-id-replaced']).toMatch(/x-request-id must be/);
    }
    const attributes = (await receiveAll()).map(
      (message) => message.MessageAttributes?.['correlation-id']?.StringValue,
    );
    expect(attributes.sort()).toEqual(
      [kept, tooLong, latin1].map((response) => response.headers['x-request-id']).sort(),
    );
  });

  it.each([
    ['NUL in customerId', { ...validOrder, customerId: 'a\u0000b' }, 'customerId'],
    [
      'a customerId of 64 letters and U+FE0F (65 code points)',
      { ...validOrder, customerId: 'a'.repeat(64) + '\ufe0f' },
      'customerId',
    ],
    ['U+FFFE in customerId', { ...validOrder, customerId: '\ufffe' }, 'customerId'],
    [
      'a lone surrogate in a sku',
      { ...validOrder, items: [{ ...validOrder.items[0], sku: 'a\ud800' }] },
      'items.0.sku',
    ],
  ])('should answer 400 for %s, and enqueue nothing', async (_case, body, field) => {
    // JSON.stringify writes a lone surrogate as a \ud800 escape, as a client would.
    const response = await post(body);

    expect(response.statusCode).toBe(400);
    expect(response.json().fields.map((each: { field: string }) => each.field)).toEqual([field]);
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });

  it('should answer 400 for a body that is not valid UTF-8, even when decoding keeps its length', async () => {
    // A truncated 4-byte sequence (3 bytes) decodes to one U+FFFD (also 3 bytes).
    const json = Buffer.from(JSON.stringify({ ...validOrder, customerId: 'ab' }));
    const at = json.indexOf('ab');
    const broken = Buffer.concat([
      json.subarray(0, at),
      Buffer.from([0xf0, 0x9f, 0x98]),
      json.subarray(at),
    ]);

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      payload: broken,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/UTF-8/);
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });

  it('should put orders with astral and U+FFFD-range text on the queue intact, as ASCII', async () => {
    const order = {
      ...validOrder,
      customerId: '\u{1f600}\u{10ffff}\ufffd\u202e',
      items: [{ ...validOrder.items[0], sku: '\u{e0001}\u{20000}' }],
    };

    const response = await post(order);

    expect(response.statusCode).toBe(202);
    const [message] = await receiveAll();
    expect(message.Body).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(message.Body ?? '{}').order).toEqual(order);
  });

  it('should treat an entry SQS refuses for its content as a contract bug, never as an outage to retry', async () => {
    const publisher = app.get(OrderPublisher);

    // Raw, not ASCII-escaped: the emulator refuses the astral character.
    const error = await publisher
      .publish({ body: '{"order":"\u{1f600}"}', attributes: {} })
      .catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(OrdersException);
    expect((error as OrdersException).code).toBe(OrdersErrorCode.RefusedByQueue);
    expect(await queueDepth(sqs, queues.queueUrl)).toBe(0);
  });
});
