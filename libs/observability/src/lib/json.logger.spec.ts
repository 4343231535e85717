import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Writable } from 'node:stream';
import { JsonLogger } from './json.logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

describe(JsonLogger.name, () => {
  it('should write one JSON line with the fields of an object message and the Nest context', () => {
    const output = capture();
    const logger = new JsonLogger('processor', 'info', output.stream);

    logger.log({ msg: 'order stored', orderId: 'o-1', correlationId: 'c-1' }, 'OrderMessages');

    expect(output.lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'processor',
        context: 'OrderMessages',
        msg: 'order stored',
        orderId: 'o-1',
        correlationId: 'c-1',
      }),
    ]);
  });

  it('should drop lines below the configured level', () => {
    const output = capture();
    const logger = new JsonLogger('gateway', 'warn', output.stream);

    logger.log('hidden');
    logger.debug('hidden');
    logger.warn('shown');

    expect(output.lines().map((line) => line.msg)).toEqual(['shown']);
  });

  it('should keep the stack of an error', () => {
    const output = capture();
    const logger = new JsonLogger('gateway', 'info', output.stream);

    logger.error(new Error('boom'), 'Context');

    expect(output.lines()[0]).toMatchObject({
      level: 'error',
      msg: 'boom',
      err: expect.objectContaining({
        message: 'boom',
        stack: expect.stringContaining('Error: boom'),
      }),
    });
  });

  it('should carry the trace and span ids of the active span on every line', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const output = capture();
      const logger = new JsonLogger('processor', 'info', output.stream);
      const span = {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
      };

      context.with(trace.setSpanContext(context.active(), span), () => logger.log('inside'));
      logger.log('outside');

      expect(output.lines()).toEqual([
        expect.objectContaining({
          msg: 'inside',
          trace_id: span.traceId,
          span_id: span.spanId,
          trace_flags: '01',
        }),
        expect.not.objectContaining({ trace_id: expect.anything() }),
      ]);
    } finally {
      context.disable();
    }
  });

  it('should redact credentials in logged request headers', () => {
    const output = capture();
    const logger = new JsonLogger('gateway', 'info', output.stream);

    logger.log({
      msg: 'request',
      req: { headers: { authorization: 'Bearer k', 'x-api-key': 'k', cookie: 'c', host: 'h' } },
    });

    expect(output.lines()[0].req).toEqual({
      headers: {
        authorization: '[redacted]',
        'x-api-key': '[redacted]',
        cookie: '[redacted]',
        host: 'h',
      },
    });
  });
});
