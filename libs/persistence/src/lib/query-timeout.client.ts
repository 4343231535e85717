import { Client } from 'pg';

type QueryArguments = unknown[];
type Callback = (error: Error | null, result?: unknown) => void;

// The message pg gives a query that outlived query_timeout.
const READ_TIMEOUT = 'Query read timeout';

/**
 * pg's query_timeout rejects the query but keeps the connection, which still waits for the server's
 * answer: behind a half-dead socket that answer never comes, and the pooled connection would hold
 * its slot (and fail every query put on it) until TCP gives up, minutes later. This client discards
 * itself instead, so the pool removes it and opens a fresh one.
 */
export class QueryTimeoutClient extends Client {
  override query(...args: QueryArguments): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as Callback;
      args[args.length - 1] = (error: Error | null, result?: unknown) => {
        this.discardAfterTimeout(error);
        callback(error, result);
      };
    }
    const result = (super.query as (...rest: QueryArguments) => unknown).apply(this, args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => this.discardAfterTimeout(error));
    }
    return result as never;
  }

  private discardAfterTimeout(error: unknown): void {
    if (!(error instanceof Error) || error.message !== READ_TIMEOUT) {
      return;
    }
    const internals = this as unknown as {
      _ending: boolean;
      connection: { stream: { destroy(): void } };
    };
    // Marked as ending, the pool drops it on release and no "unexpected termination" is raised.
    internals._ending = true;
    internals.connection.stream.destroy();
  }
}
