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
});
