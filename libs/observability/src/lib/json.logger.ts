import { LoggerService } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import pino, { Logger as Pino } from 'pino';

export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

// Credentials never reach a log line, whichever logger call or access log carries the headers.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** The ids of the span active where the line is written (the names instrumentation-pino uses). */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  return span
    ? {
        trace_id: span.traceId,
        span_id: span.spanId,
        trace_flags: `0${span.traceFlags.toString(16)}`,
      }
    : {};
}

/**
 * Nest's LoggerService on top of pino: one JSON line per event, so correlation and order ids are
 * searchable fields. Pass an object as the message to log fields: `logger.log({ orderId, msg })`.
 * Every app logs through it, and the gateway's access log through its pino instance.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Pino;
  private readonly destination: pino.DestinationStream;

  constructor(service: string, level: LogLevelName, destination?: pino.DestinationStream) {
    // Asynchronous writes keep logging off the request path; flush() empties the buffer before exit.
    this.destination = destination ?? pino.destination({ sync: false });
    this.pino = pino(
      {
        level,
        base: { service },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: traceFields,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      this.destination,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Writes out buffered lines synchronously; call before process.exit(). */
  flush(): void {
    try {
      (this.destination as { flushSync?: () => void }).flushSync?.();
    } catch {
      // Nothing buffered, or the stream is already closed.
    }
  }

  // Nest passes (message, context) or (message, stack, context) for errors.
  private write(level: LogLevelName, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const context =
      typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      const { msg, ...fields } = message as Record<string, unknown>;
      this.pino[level](
        { context, ...fields, ...(stack ? { stack } : {}) },
        typeof msg === 'string' ? msg : '',
      );
    } else {
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
