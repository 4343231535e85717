import { INestApplication, Logger } from '@nestjs/common';

/**
 * SIGTERM/SIGINT → app.close() (Nest runs the shutdown hooks: readiness off, drain, pools closed)
 * → exit 0. Nest's own enableShutdownHooks re-raises the signal after closing, which ends the
 * process with 143 instead of a clean 0. A second signal, or closing past the deadline, exits 1.
 */
export function exitGracefullyOnSignals(
  app: INestApplication,
  deadlineMs: number,
  flush: () => void = () => undefined,
  // Spans still buffered are exported after the app closed, within the same deadline.
  tracing?: { shutdown(): Promise<void> },
): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ msg: 'second signal: exiting now', signal });
      flush();
      process.exit(1);
    }
    closing = true;
    const started = Date.now();
    logger.log({ msg: 'shutting down', signal, deadlineMs });
    const deadline = setTimeout(() => {
      logger.error({ msg: 'shutdown deadline passed: exiting', deadlineMs });
      flush();
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    app
      .close()
      .then(() => tracing?.shutdown().catch(() => undefined))
      .then(() => {
        logger.log({ msg: 'shut down cleanly', ms: Date.now() - started });
        flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ msg: 'shutdown failed', error: String(error) });
        flush();
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
