import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { LOGGED_REQUEST_HEADERS, logRequests, MAX_LOGGED_HEADER_LENGTH } from './access-log';
import { JsonLogger } from './json.logger';
import { RepeatedLines } from './repeated-lines';

/** A stream that keeps every JSON line written to it. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe(logRequests.name, () => {
  it('should write one line per request with status, request id and only allowlisted headers, each capped; probes left out', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ genReqId: () => 'req-1' });
    logRequests(app, new JsonLogger('gateway', 'info', stream));
    app.post('/orders', async (_request, reply) => reply.code(202).send({ ok: true }));
    app.get('/health/live', async () => ({ status: 'ok' }));

    await app.inject({
      method: 'POST',
      url: '/orders',
      headers: {
        authorization: 'Bearer secret',
        'x-api-key': 'secret',
        cookie: 'session=secret',
        'proxy-authorization': 'Basic secret',
        'x-amz-security-token': 'secret',
        'x-shop-token': 'secret',
        'user-agent': `agent/${'u'.repeat(5000)}`,
      },
      payload: {},
    });
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.close();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'gateway',
      context: 'AccessLog',
      req: { id: 'req-1', method: 'POST', url: '/orders' },
      res: {
        statusCode: 202,
        headers: expect.objectContaining({ 'content-type': expect.any(String) }),
      },
      responseTime: expect.any(Number),
    });
    const headers = (lines[0].req as { headers: Record<string, string> }).headers;
    expect(
      Object.keys(headers).every((name) =>
        LOGGED_REQUEST_HEADERS.some((allowed) => allowed === name),
      ),
    ).toBe(true);
    expect(headers['user-agent']).toHaveLength(MAX_LOGGED_HEADER_LENGTH);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('should write only the lines its level allows: at warn a 4xx, not a 202', async () => {
    const { lines, stream } = capture();
    const app = Fastify();
    logRequests(app, new JsonLogger('gateway', 'warn', stream));
    app.post('/orders', async (_request, reply) => reply.code(202).send({ ok: true }));
    app.get('/orders/x', async (_request, reply) => reply.code(404).send({ missing: true }));

    await app.inject({ method: 'POST', url: '/orders', payload: {} });
    await app.inject({ method: 'GET', url: '/orders/x' });
    await app.close();

    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', res: expect.objectContaining({ statusCode: 404 }) }),
    ]);
  });

  it('should sample repeated 401 lines and say how many were left out', async () => {
    const { lines, stream } = capture();
    let now = 0;
    const app = Fastify();
    logRequests(
      app,
      new JsonLogger('gateway', 'info', stream),
      new RepeatedLines(10, 10_000, () => now),
    );
    app.post('/orders', async (_request, reply) => reply.code(401).send({ wrong: 'key' }));
    app.get('/orders/x', async (_request, reply) => reply.code(404).send({ missing: true }));

    for (let index = 0; index < 30; index++) {
      await app.inject({ method: 'POST', url: '/orders', payload: {} });
    }
    for (let index = 0; index < 15; index++) {
      await app.inject({ method: 'GET', url: '/orders/x' });
    }
    now += 10_000;
    await app.inject({ method: 'POST', url: '/orders', payload: {} });
    await app.close();

    const statuses = lines.map((line) => (line.res as { statusCode: number }).statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(11);
    // Other answers are not sampled.
    expect(statuses.filter((status) => status === 404)).toHaveLength(15);
    expect(lines[lines.length - 1]).toMatchObject({ skippedAlike: 20 });
    expect(lines.filter((line) => 'skippedAlike' in line)).toHaveLength(1);
  });
});
