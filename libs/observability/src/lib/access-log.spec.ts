import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { logRequests } from './access-log';
import { JsonLogger } from './json.logger';

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
  it('should write one line per request with status and request id, credentials redacted, probes left out', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ genReqId: () => 'req-1' });
    logRequests(app, new JsonLogger('gateway', 'info', stream));
    app.post('/orders', async (_request, reply) => reply.code(202).send({ ok: true }));
    app.get('/health/live', async () => ({ status: 'ok' }));

    await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { authorization: 'Bearer secret', 'x-api-key': 'secret', cookie: 'session=secret' },
      payload: {},
    });
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.close();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'gateway',
      context: 'AccessLog',
      req: {
        id: 'req-1',
        method: 'POST',
        url: '/orders',
        headers: {
          authorization: '[redacted]',
          'x-api-key': '[redacted]',
          cookie: '[redacted]',
        },
      },
      res: { statusCode: 202 },
      responseTime: expect.any(Number),
    });
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
});
