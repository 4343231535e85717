import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  globalSetupServices,
  loadStackHarness,
  migratedDatabase,
  QueuePair,
  RunningStack,
  testSqsClient,
} from '@orders/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import {
  anyCharacter,
  anyOrder,
  BodyEncoding,
  bodyEncoding,
  encodeBody,
  headerText,
  storableCharacter,
  traceparents,
} from './support/contract.arbitraries';
import { rawRequest, RawResponse } from './support/raw-http';

// Bounded so the tier fits in npm test; PROPERTY_NUM_RUNS=2000 for a long hunt by hand.
const NUM_RUNS = Number(process.env.PROPERTY_NUM_RUNS ?? 150);
const SUFFIX = randomUUID().slice(0, 8);
const CLIENTS = { a: `prop-a-${SUFFIX}`, b: `prop-b-${SUFFIX}` };
const KEYS = { a: `key-a-${SUFFIX}`, b: `key-b-${SUFFIX}` };

// The test's own statement of the contract (README, HTTP API), independent of the gateway's code.
const STORABLE = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const VISIBLE_ASCII = (max: number) => new RegExp(`^[\\x21-\\x7e]{1,${max}}$`);
const CURRENCIES = new Set(['USD', 'EUR', 'JPY', 'CHF', 'XXX']);
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isText = (value: unknown, max: number) =>
  typeof value === 'string' &&
  STORABLE.test(value) &&
  [...value].length >= 1 &&
  [...value].length <= max;
const isInteger = (value: unknown, min: number, max: number) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isValidOrder = (order: unknown) =>
  isObject(order) &&
  isText(order.customerId, 64) &&
  CURRENCIES.has(order.currency as string) &&
  Array.isArray(order.items) &&
  order.items.length >= 1 &&
  order.items.length <= 100 &&
  order.items.every(
    (item) =>
      isObject(item) &&
      isText(item.sku, 64) &&
      isInteger(item.quantity, 1, 1000) &&
      isInteger(item.unitPriceCents, 0, 100_000_000),
  );
// What the server sees of a header value: HTTP drops leading and trailing spaces and tabs.
const onTheWire = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

type Client = keyof typeof CLIENTS;
interface Accepted {
  orderId: string;
  order: unknown;
  correlationId: string;
}

describe('the acceptance contract, by generation (gateway -> SQS emulator -> processor -> PostgreSQL)', () => {
  const sqs = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let stack: RunningStack;
  let nextAddress = 0;
  // Per client and Idempotency-Key, the first accepted request: later bodies are absorbed.
  const firstByKey = new Map<string, Accepted>();
  const acceptedIds = new Set<string>();
  const tally = new Map<number, number>();

  const post = (headers: Record<string, string>, body: Buffer): Promise<RawResponse> => {
    // A fresh loopback address per request: wrong keys must not throttle the rest of the run.
    const address = nextAddress++;
    return rawRequest(stack.urls.gateway, {
      method: 'POST',
      path: '/orders',
      headers,
      body,
      localAddress: `127.3.${Math.floor(address / 250) % 250}.${(address % 250) + 1}`,
    });
  };

  /** The order as the owner reads it back, once stored; the other client must not see it. */
  async function expectStored(client: Client, accepted: Accepted): Promise<void> {
    const read = (as: Client) =>
      rawRequest(stack.urls.gateway, {
        method: 'GET',
        path: `/orders/${accepted.orderId}`,
        headers: { 'x-api-key': KEYS[as] },
      });
    const stored = await eventually(async () => {
      const response = await read(client);
      expect(response.status).toBe(200);
      return JSON.parse(response.body);
    }, 15_000);
    const sent = accepted.order as Record<string, unknown>;
    expect({
      customerId: stored.customerId,
      currency: stored.currency,
      items: stored.items,
    }).toEqual({ customerId: sent.customerId, currency: sent.currency, items: sent.items });
    const [row] = await database.dataSource.query(
      'SELECT client_id, correlation_id FROM orders WHERE order_id = $1',
      [accepted.orderId],
    );
    expect(row).toEqual({ client_id: CLIENTS[client], correlation_id: accepted.correlationId });
    expect((await read(client === 'a' ? 'b' : 'a')).status).toBe(404);
  }

  /** 202 answers: check the promise end to end, first body per Idempotency-Key winning. */
  async function checkAccepted(
    response: RawResponse,
    client: Client,
    order: unknown,
    idempotencyKey: string | undefined,
  ): Promise<void> {
    const { orderId } = JSON.parse(response.body) as { orderId: string };
    const candidate = { orderId, order, correlationId: String(response.headers['x-request-id']) };
    const scope = idempotencyKey === undefined ? undefined : `${client}\0${idempotencyKey}`;
    const first = scope === undefined ? candidate : (firstByKey.get(scope) ?? candidate);
    if (scope !== undefined) {
      firstByKey.set(scope, first);
    }
    expect(orderId).toBe(first.orderId);
    acceptedIds.add(orderId);
    await expectStored(client, first);
  }

  function expectRequestIdHonoured(response: RawResponse, requestId: string | undefined): void {
    if (requestId === undefined) {
      return;
    }
    if (VISIBLE_ASCII(128).test(onTheWire(requestId))) {
      expect(response.headers['x-request-id']).toBe(onTheWire(requestId));
      expect(response.headers['x-request-id-replaced']).toBeUndefined();
    } else {
      expect(response.headers['x-request-id-replaced']).toBeDefined();
    }
  }

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    const harness = await loadStackHarness();
    stack = await harness.startStack({
      ...globalSetupServices(queues),
      env: {
        AUTH_REQUIRED: 'true',
        API_KEYS: `${CLIENTS.a}:${harness.sha256Hex(KEYS.a)},${CLIENTS.b}:${harness.sha256Hex(KEYS.b)}`,
      },
      appEnv: {
        gateway: { RATE_LIMIT_PER_MINUTE: '0' },
        processor: { SQS_WAIT_TIME_SECONDS: '1' },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await database?.close();
    process.stdout.write(
      `contract properties: ${[...tally].map(([status, count]) => `${count}×${status}`).join(', ')}\n`,
    );
  });

  it('should answer every generated request 4xx with nothing enqueued, or 202 and store it exactly as sent', async () => {
    const request = fc.record({
      order: fc.oneof(
        { weight: 20, arbitrary: anyOrder },
        { weight: 1, arbitrary: fc.constantFrom<unknown>([], 'order', null, 42) },
      ),
      encoding: bodyEncoding,
      contentType: fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        { weight: 2, arbitrary: fc.constant('application/json; charset=utf-8') },
        { weight: 1, arbitrary: fc.constant('text/plain') },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant('bearer-a') },
        { weight: 4, arbitrary: fc.constant('x-api-key-b') },
        { weight: 1, arbitrary: fc.constant('none') },
        { weight: 1, arbitrary: headerText.map((junk) => `junk:${junk}`) },
      ),
      requestId: fc.option(headerText, { freq: 2 }),
      traceparent: fc.option(traceparents, { freq: 2 }),
      idempotencyKey: fc.option(
        fc.oneof(
          { weight: 3, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,255}$/) },
          { weight: 1, arbitrary: fc.constantFrom('retry-1', 'retry-2') },
          { weight: 1, arbitrary: headerText },
        ),
        { freq: 2 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const body = encodeBody(generated.order, generated.encoding as BodyEncoding);
        const headers: Record<string, string> = {};
        if (generated.contentType) {
          headers['content-type'] = generated.contentType;
        }
        const client: Client = generated.auth === 'x-api-key-b' ? 'b' : 'a';
        if (generated.auth === 'bearer-a') {
          headers.authorization = `Bearer ${KEYS.a}`;
        } else if (generated.auth === 'x-api-key-b') {
          headers['x-api-key'] = KEYS.b;
        } else if (generated.auth.startsWith('junk:')) {
          headers.authorization = generated.auth.slice(5);
        }
        const optional = {
          'x-request-id': generated.requestId,
          traceparent: generated.traceparent,
          'idempotency-key': generated.idempotencyKey,
        };
        for (const [name, value] of Object.entries(optional)) {
          if (value !== null) {
            headers[name] = value;
          }
        }
        const key =
          generated.idempotencyKey === null ? undefined : onTheWire(generated.idempotencyKey);
        const sent =
          generated.encoding === 'invalid-utf8' ? undefined : JSON.parse(body.toString('utf8'));

        const response = await post(headers, body);
        tally.set(response.status, (tally.get(response.status) ?? 0) + 1);

        const authenticated = generated.auth === 'bearer-a' || generated.auth === 'x-api-key-b';
        const expected = !authenticated
          ? 401
          : !generated.contentType?.startsWith('application/json')
            ? 415
            : sent === undefined || !isValidOrder(sent)
              ? 400
              : key !== undefined && !VISIBLE_ASCII(255).test(key)
                ? 400
                : 202;
        expect({ status: response.status, body: response.body }).toEqual({
          status: expected,
          body: expect.any(String),
        });
        if (response.status === 202) {
          expectRequestIdHonoured(response, generated.requestId ?? undefined);
          await checkAccepted(response, client, sent, key);
        }
      }),
      { numRuns: NUM_RUNS, endOnFailure: true },
    );
  });

  it('should serve exactly the contract /docs/openapi.json documents (requests generated from it)', async () => {
    const document = JSON.parse(
      (await rawRequest(stack.urls.gateway, { method: 'GET', path: '/docs/openapi.json' })).body,
    ) as OpenApiDocument;
    const operation = document.paths['/orders'].post;
    const orderSchema = resolve(document, operation.requestBody.content['application/json'].schema);
    const headerSchemas = Object.fromEntries(
      operation.parameters
        .filter((parameter) => parameter.in === 'header')
        .map((parameter) => [parameter.name.toLowerCase(), parameter.schema]),
    );
    expect(Object.keys(headerSchemas).sort()).toEqual([
      'idempotency-key',
      'traceparent',
      'x-request-id',
    ]);

    const headerValue = (name: string) =>
      fc.option(
        fc.oneof(
          {
            weight: 3,
            arbitrary: validFromSchema(document, headerSchemas[name]) as fc.Arbitrary<string>,
          },
          {
            weight: 1,
            arbitrary: headerText.filter(
              (value) => !new RegExp(headerSchemas[name].pattern as string).test(onTheWire(value)),
            ),
          },
        ),
        { freq: 2 },
      );
    const request = fc.record({
      order: validFromSchema(document, orderSchema),
      violation: fc.option(fc.constantFrom(...violationsOf(document, orderSchema)), { freq: 2 }),
      requestId: headerValue('x-request-id'),
      traceparent: headerValue('traceparent'),
      idempotencyKey: headerValue('idempotency-key'),
    });

    await fc.assert(
      fc.asyncProperty(
        request.chain((generated) =>
          (generated.violation
            ? generated.violation.breakIt(generated.order)
            : fc.constant(generated.order)
          ).map((order) => ({ ...generated, order })),
        ),
        async (generated) => {
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            authorization: `Bearer ${KEYS.a}`,
          };
          for (const [name, value] of [
            ['x-request-id', generated.requestId],
            ['traceparent', generated.traceparent],
            ['idempotency-key', generated.idempotencyKey],
          ] as const) {
            if (value !== null) {
              headers[name] = value;
            }
          }
          const body = Buffer.from(JSON.stringify(generated.order));
          const key =
            generated.idempotencyKey === null ? undefined : onTheWire(generated.idempotencyKey);
          const keyValid =
            key === undefined ||
            new RegExp(headerSchemas['idempotency-key'].pattern as string).test(key);

          const response = await post(headers, body);
          tally.set(response.status, (tally.get(response.status) ?? 0) + 1);

          if (generated.violation) {
            expect(response.status).toBe(400);
            const fields = (JSON.parse(response.body).fields ?? []) as { field: string }[];
            expect(fields.map((field) => field.field)).toContain(generated.violation.field);
          } else if (!keyValid) {
            expect(response.status).toBe(400);
          } else {
            expect(response.status).toBe(202);
            expectRequestIdHonoured(response, generated.requestId ?? undefined);
            await checkAccepted(response, 'a', generated.order, key);
          }
        },
      ),
      { numRuns: NUM_RUNS, endOnFailure: true },
    );
  });

  it('should leave nothing behind: queue drained, no dead letters, one row per accepted order', async () => {
    await eventually(async () => {
      const depth = async (queueUrl: string) => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
        );
        return [
          Attributes?.ApproximateNumberOfMessages,
          Attributes?.ApproximateNumberOfMessagesNotVisible,
        ];
      };
      expect(await depth(queues.queueUrl)).toEqual(['0', '0']);
      expect(await depth(queues.dlqUrl)).toEqual(['0', '0']);
    }, 20_000);
    const [{ n }] = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM orders WHERE client_id = ANY($1)',
      [Object.values(CLIENTS)],
    );
    // A refused request that was enqueued anyway would be an extra row (or a dead letter), and an
    // extra order stored by this run's processor, whichever client it named.
    expect(n).toBe(acceptedIds.size);
    const metrics = await rawRequest(stack.urls.processor, { method: 'GET', path: '/metrics' });
    expect(Number(/^orders_stored_total (\d+)$/m.exec(metrics.body)?.[1])).toBe(acceptedIds.size);
    expect(acceptedIds.size).toBeGreaterThan(0);
  });
});

// A small reader of the JSON Schema subset Nest's OpenAPI document uses for the order.
interface Schema {
  $ref?: string;
  type?: 'string' | 'integer' | 'array' | 'object';
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
interface OpenApiDocument {
  paths: Record<
    string,
    {
      post: {
        parameters: { name: string; in: string; schema: Schema }[];
        requestBody: { content: Record<string, { schema: Schema }> };
      };
    }
  >;
  components: { schemas: Record<string, Schema> };
}

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  return schema.$ref ? document.components.schemas[schema.$ref.split('/').pop() as string] : schema;
}

function charactersOf(schema: Schema, allowed: boolean): fc.Arbitrary<string> {
  const pattern = new RegExp(schema.pattern ?? '^[\\s\\S]*$');
  return anyCharacter.filter((character) => pattern.test(character) === allowed);
}

function textOfLength(characters: fc.Arbitrary<string>, min: number, max: number) {
  return fc
    .oneof(fc.integer({ min, max }), fc.constantFrom(min, max))
    .chain((length) => fc.array(characters, { minLength: length, maxLength: length }))
    .map((parts) => parts.join(''));
}

function validFromSchema(document: OpenApiDocument, raw: Schema): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  if (schema.enum) {
    return fc.constantFrom(...schema.enum);
  }
  if (schema.type === undefined) {
    throw new Error(`the generator needs a type or an enum: ${JSON.stringify(schema)}`);
  }
  switch (schema.type) {
    case 'string':
      // Regex-shaped headers straight from their pattern; text fields from characters it admits.
      return schema.pattern && !schema.pattern.includes('(?:')
        ? fc.stringMatching(new RegExp(schema.pattern))
        : textOfLength(charactersOf(schema, true), schema.minLength ?? 0, schema.maxLength ?? 64);
    case 'integer': {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1000;
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'array': {
      const item = validFromSchema(document, schema.items as Schema);
      const min = schema.minItems ?? 0;
      const max = schema.maxItems ?? 10;
      return fc.oneof(
        { weight: 12, arbitrary: fc.array(item, { minLength: min, maxLength: Math.min(max, 4) }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) },
      );
    }
    case 'object':
      return fc.record(
        Object.fromEntries(
          (schema.required ?? []).map((name) => [
            name,
            validFromSchema(document, (schema.properties ?? {})[name]),
          ]),
        ),
      );
  }
}

interface Violation {
  field: string;
  kind: string;
  breakIt: (order: unknown) => fc.Arbitrary<unknown>;
}

/** Every way to break one documented rule of one field; the answer must be 400 naming that field. */
function violationsOf(document: OpenApiDocument, root: Schema): Violation[] {
  const found: Violation[] = [];
  const visit = (raw: Schema, path: (string | number)[]) => {
    const schema = resolve(document, raw);
    const field = path.join('.');
    const at = (bad: fc.Arbitrary<unknown>) => (order: unknown) =>
      bad.map((value) => withValueAt(order, path, value));
    const add = (kind: string, bad: fc.Arbitrary<unknown>) =>
      found.push({ field, kind, breakIt: at(bad) });
    if (schema.enum) {
      add(
        'not in enum',
        anyText().filter((value) => !schema.enum?.includes(value)),
      );
      return;
    }
    switch (schema.type ?? 'no type') {
      case 'no type':
        throw new Error(`the generator needs a type or an enum: ${JSON.stringify(schema)}`);
      case 'string': {
        const allowed = charactersOf(schema, true);
        const min = schema.minLength ?? 0;
        const max = schema.maxLength ?? 64;
        add('too long', textOfLength(allowed, max + 1, max + 3));
        if (min > 0) {
          add('too short', fc.constant(''));
        }
        add(
          'a character the pattern refuses',
          fc
            .tuple(textOfLength(allowed, 0, max - 1), charactersOf(schema, false))
            .map(([text, bad]) => text + bad),
        );
        add('not a string', fc.constant(7));
        break;
      }
      case 'integer':
        add('above maximum', fc.constant((schema.maximum ?? 0) + 1));
        add('below minimum', fc.constant((schema.minimum ?? 0) - 1));
        add('not an integer', fc.constant((schema.minimum ?? 0) + 0.5));
        add('a numeric string', fc.constant(String(schema.minimum ?? 1)));
        break;
      case 'array': {
        const item = validFromSchema(document, schema.items as Schema);
        if ((schema.minItems ?? 0) > 0) {
          add('too few items', fc.constant([]));
        }
        if (schema.maxItems !== undefined) {
          const count = schema.maxItems + 1;
          add('too many items', fc.array(item, { minLength: count, maxLength: count }));
        }
        visit(schema.items as Schema, [...path, 0]);
        break;
      }
      case 'object':
        for (const name of schema.required ?? []) {
          const missing = [...path, name];
          found.push({
            field: missing.join('.'),
            kind: 'missing',
            breakIt: (order) => fc.constant(withValueAt(order, missing, undefined)),
          });
          visit((schema.properties ?? {})[name], missing);
        }
        break;
    }
  };
  visit(root, []);
  return found;
}

function anyText(): fc.Arbitrary<string> {
  return textOfLength(storableCharacter, 0, 5);
}

function withValueAt(target: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(target) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) {
    node = node[step] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}
