import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig, loadConfig } from '@orders/config';
import {
  createQueuePair,
  eventually,
  QueuePair,
  queueDepth,
  TcpFaultProxy,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { AddressInfo, connect, Socket } from 'node:net';
import { createGatewayApp } from '../http/create-gateway-app';
import { GatewayMetrics } from '../metrics/gateway.metrics';

const order = (sku: string) =>
  JSON.stringify({
    customerId: 'customer-shed',
    currency: 'EUR',
    items: [{ sku, quantity: 1, unitPriceCents: 100 }],
  });

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  socket: Socket;
}

/** Sends the head of a POST /orders and only `bodyPart` of its declared body, then waits for an answer. */
function rawPost(port: number, declaredBytes: number, bodyPart = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        return;
      }
      const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      const body = received.slice(end + 4);
      if (body.length >= Number(headers['content-length'] ?? 0)) {
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body, socket });
      }
    });
    socket.write(
      `POST /orders HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declaredBytes}\r\n\r\n${bodyPart}`,
    );
  });
}

describe('admission: the gateway sheds order requests past its bounds (real SQS emulator)', () => {
  const sqs = testSqsClient();
  let queues: QueuePair;
  let proxy: TcpFaultProxy;
  let app: NestFastifyApplication | undefined;
  let base: string;
  let port: number;
  const sockets: Socket[] = [];

  async function start(overrides: Record<string, string>): Promise<void> {
    const stack = testStack();
    const config = loadConfig(GatewayConfig, {
      AWS_REGION: stack.region,
      SQS_ENDPOINT: proxy.route(stack.sqsEndpoint),
      ORDERS_QUEUE_URL: queues.queueUrl,
      ORDERS_DLQ_URL: queues.dlqUrl,
      DATABASE_URL: stack.databaseUrl,
      AUTH_REQUIRED: 'false',
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_MINUTE: '0',
      ...overrides,
    });
    app = await createGatewayApp(config, false);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  }

  const post = (sku: string) =>
    fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: order(sku),
    });

  const inFlight = async () =>
    (await (app as NestFastifyApplication).get(GatewayMetrics).inFlightOrders.get()).values[0]
      .value;

  beforeEach(async () => {
    queues = await createQueuePair(sqs);
    const stack = testStack();
    const endpoint = new URL(stack.sqsEndpoint);
    proxy = await TcpFaultProxy.start({ host: endpoint.hostname, port: Number(endpoint.port) });
  });

  afterEach(async () => {
    sockets.forEach((socket) => socket.destroy());
    sockets.length = 0;
    await proxy.setMode('forward');
    await app?.close();
    app = undefined;
    await proxy.close();
  });

  it('should answer 503 OVERLOADED at once, unread and unqueued, while MAX_IN_FLIGHT_ORDERS requests wait for SQS', async () => {
    await start({
      MAX_IN_FLIGHT_ORDERS: '3',
      SEND_TIMEOUT_MS: '4000',
      SQS_REQUEST_TIMEOUT_MS: '3500',
    });
    await proxy.setMode('blackhole');
    const waiting = ['held-1', 'held-2', 'held-3'].map((sku) => post(sku));
    await eventually(async () => expect(await inFlight()).toBe(3));

    const startedAt = Date.now();
    // Declares 200 bytes and sends none: an answer proves the body was never waited for.
    const unread = await rawPost(port, 200);
    sockets.push(unread.socket);
    const shed = await post('shed-me');
    const shedBody = (await shed.json()) as { code: string };
    const health = await fetch(`${base}/health/live`);

    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(unread.status).toBe(503);
    expect(JSON.parse(unread.body)).toMatchObject({ statusCode: 503, code: 'OVERLOADED' });
    // Kept alive: the answer is not a dropped connection.
    expect(unread.headers.connection).not.toBe('close');
    expect(unread.socket.destroyed).toBe(false);
    expect(shed.status).toBe(503);
    expect(shedBody.code).toBe('OVERLOADED');
    const retryAfter = Number(shed.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(5);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(health.status).toBe(200);
    const shedCount = await (app as NestFastifyApplication).get(GatewayMetrics).ordersShed.get();
    expect(shedCount.values).toEqual([
      expect.objectContaining({ labels: { reason: 'in_flight' }, value: 2 }),
    ]);

    // SQS back: the held requests settle and the gateway admits again.
    await proxy.setMode('forward');
    await Promise.all(waiting);
    const after = await post('after-1');
    expect(after.status).toBe(202);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((message) => message.Body).join('\n')).not.toContain('shed-me');
  }, 20_000);

  it('should shed a request whose bytes would pass MAX_IN_FLIGHT_BYTES while a slow upload holds its share', async () => {
    await start({ MAX_IN_FLIGHT_BYTES: '65536', BODY_LIMIT_BYTES: '65536' });
    // A client uploading slowly: 40,000 bytes declared, 10 sent.
    const slowUpload = connect(port, '127.0.0.1');
    sockets.push(slowUpload);
    slowUpload.write(
      'POST /orders HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 40000\r\n\r\n{"custome',
    );
    await eventually(async () => expect(await inFlight()).toBe(1));

    const tooMuch = await rawPost(port, 30_000);
    sockets.push(tooMuch.socket);
    const small = await post('fits');

    expect(tooMuch.status).toBe(503);
    expect(small.status).toBe(202);
    expect(
      (await (app as NestFastifyApplication).get(GatewayMetrics).ordersShed.get()).values,
    ).toEqual([expect.objectContaining({ labels: { reason: 'bytes' }, value: 1 })]);
  });

  it('should shed order requests, never health, while the heap is past SHED_HEAP_USED_PERCENT', async () => {
    // 1 % of V8's limit is always in use: the heap check trips from the first sample on.
    await start({ SHED_HEAP_USED_PERCENT: '1' });
    // The first sample (every 250 ms) reads the heap.
    await new Promise((resolve) => setTimeout(resolve, 400));

    const shed = await post('heap');
    const live = await fetch(`${base}/health/live`);

    expect(shed.status).toBe(503);
    expect(Number(shed.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    expect(((await shed.json()) as { code: string }).code).toBe('OVERLOADED');
    expect(live.status).toBe(200);
    expect((await queueDepth(sqs, queues.queueUrl)).total).toBe(0);
  });

  it('should shed order requests after the event loop was blocked past SHED_EVENT_LOOP_DELAY_MS', async () => {
    await start({ SHED_EVENT_LOOP_DELAY_MS: '50' });
    // Past the start-up's samples, which are not counted as load.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const admitted = await post('before');
    const blockedUntil = Date.now() + 700;
    while (Date.now() < blockedUntil) {
      // Busy: what a CPU-bound overload does to the gateway's loop.
    }
    // The overdue sample runs first; the next one is 250 ms away.
    await new Promise((resolve) => setTimeout(resolve, 20));

    const shed = await post('blocked');

    expect(admitted.status).toBe(202);
    expect(shed.status).toBe(503);
    expect(
      (await (app as NestFastifyApplication).get(GatewayMetrics).ordersShed.get()).values,
    ).toEqual([expect.objectContaining({ labels: { reason: 'event_loop' }, value: 1 })]);
  });
});
