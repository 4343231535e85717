import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SqsFaultShares {
  /** Answered 400 ThrottlingException without reaching SQS. */
  throttle: number;
  /** Answered 500 or 503 without reaching SQS. */
  serverError: number;
  /** Reaches SQS (the call takes effect), but the caller gets a 500: the answer was lost. */
  lostAnswer: number;
  /** Reaches SQS after a pause of up to maxDelayMs (at least minDelayMs). */
  delay: number;
  maxDelayMs: number;
  minDelayMs?: number;
  /** Only these actions (e.g. SendMessageBatch) meet faults; unset: every action. */
  actions?: string[];
}

export type SqsFault = 'throttle' | 'serverError' | 'lostAnswer' | 'delay' | 'none';

/**
 * An HTTP hop in front of the SQS emulator that fails the way Amazon SQS does under pressure: a
 * share of calls is throttled or gets a 5xx (before or after SQS acted on it), others are slowed
 * down. It speaks the AWS JSON protocol the SDK uses, so the SDK's own retry logic sees real
 * throttling and server errors. Counts per action and fault are the evidence.
 */
export class SqsFaultProxy {
  private shares: SqsFaultShares | undefined;
  readonly counts: Record<string, Record<SqsFault, number>> = {};
  /** Calls of each action open right now, and the most that were ever open at once. */
  readonly open: Record<string, number> = {};
  readonly mostOpen: Record<string, number> = {};

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(targetEndpoint: string): Promise<SqsFaultProxy> {
    const server = createServer();
    const proxy = new SqsFaultProxy(server, new URL(targetEndpoint));
    server.on('request', (incoming, answer) => void proxy.handle(incoming, answer));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Faults on (with these shares of all calls) or off (undefined): everything passes. */
  setFaults(shares: SqsFaultShares | undefined): void {
    this.shares = shares;
  }

  total(fault: SqsFault): number {
    return Object.values(this.counts).reduce((sum, byFault) => sum + byFault[fault], 0);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pick(action: string): SqsFault {
    const shares = this.shares;
    if (!shares || (shares.actions && !shares.actions.includes(action))) {
      return 'none';
    }
    let roll = Math.random();
    for (const fault of ['throttle', 'serverError', 'lostAnswer', 'delay'] as const) {
      roll -= shares[fault];
      if (roll < 0) {
        return fault;
      }
    }
    return 'none';
  }

  private async handle(incoming: IncomingMessage, answer: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    // AWS JSON protocol: "AmazonSQS.SendMessageBatch"; the query protocol would name it in the body.
    const action = String(incoming.headers['x-amz-target'] ?? 'unknown').replace('AmazonSQS.', '');
    const fault = this.pick(action);
    this.counts[action] ??= { throttle: 0, serverError: 0, lostAnswer: 0, delay: 0, none: 0 };
    this.counts[action][fault] += 1;
    this.open[action] = (this.open[action] ?? 0) + 1;
    this.mostOpen[action] = Math.max(this.mostOpen[action] ?? 0, this.open[action]);
    answer.on('close', () => (this.open[action] -= 1));
    answer.on('error', () => undefined);
    switch (fault) {
      case 'throttle':
        return sqsError(
          answer,
          400,
          'ThrottlingException',
          'RequestThrottled;Sender',
          'Rate exceeded',
        );
      case 'serverError':
        return Math.random() < 0.5
          ? sqsError(
              answer,
              500,
              'InternalError',
              'InternalError;Receiver',
              'We encountered an internal error',
            )
          : sqsError(
              answer,
              503,
              'ServiceUnavailable',
              'ServiceUnavailable;Server',
              'Service unavailable',
            );
      case 'lostAnswer':
        await this.forward(incoming, body).catch(() => undefined);
        return sqsError(
          answer,
          500,
          'InternalError',
          'InternalError;Receiver',
          'We encountered an internal error',
        );
      case 'delay':
        await new Promise((resolve) => {
          const min = this.shares?.minDelayMs ?? 0;
          setTimeout(resolve, min + Math.random() * ((this.shares?.maxDelayMs ?? 0) - min));
        });
        break;
      case 'none':
        break;
    }
    try {
      const upstream = await this.forward(incoming, body);
      answer.writeHead(upstream.status, upstream.headers);
      answer.end(upstream.body);
    } catch {
      // The caller went away (its timeout) or the emulator is gone: nothing to answer.
      answer.destroy();
    }
  }

  private forward(
    incoming: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: this.target.host },
        },
        (response) => {
          const parts: Buffer[] = [];
          response.on('data', (part: Buffer) => parts.push(part));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers as Record<string, string | string[]>,
              body: Buffer.concat(parts),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function sqsError(
  answer: ServerResponse,
  status: number,
  type: string,
  queryError: string,
  message: string,
): void {
  answer.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': queryError,
  });
  answer.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
}
