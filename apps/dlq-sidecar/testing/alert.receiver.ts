import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  at: number;
  path: string;
  body: unknown;
  /** The answer given: 200, an error status, or 0 for a dropped connection. */
  answered: number;
}

export interface SlackBody {
  text: string;
  blocks: unknown[];
}

export interface AlertmanagerBody {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

/**
 * Stands in for Slack (POST /slack) and Alertmanager (POST /api/v2/alerts) on 127.0.0.1, and can
 * misbehave on request: answer errors or drop the connection for the next calls.
 */
export class AlertReceiver {
  readonly calls: ReceivedCall[] = [];
  private readonly failures = new Map<string, (number | 'drop')[]>();
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  get webhookUrl(): string {
    return `${this.baseUrl}/slack`;
  }

  /** The next calls to `path` fail as given, in order ('drop' closes the socket without an answer). */
  failNext(path: string, ...answers: (number | 'drop')[]): void {
    this.failures.set(path, [...(this.failures.get(path) ?? []), ...answers]);
  }

  /** Delivered Slack messages. */
  slack(): SlackBody[] {
    return this.calls
      .filter((call) => call.path === '/slack' && call.answered === 200)
      .map((call) => call.body as SlackBody);
  }

  /** Delivered Alertmanager alerts, flattened. */
  alertmanager(): AlertmanagerBody[] {
    return this.calls
      .filter((call) => call.path === '/api/v2/alerts' && call.answered === 200)
      .flatMap((call) => call.body as AlertmanagerBody[]);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const failure = this.failures.get(request.url ?? '')?.shift();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test then shows what was sent.
      }
      this.calls.push({
        at: Date.now(),
        path: request.url ?? '',
        body,
        answered: failure === 'drop' ? 0 : (failure ?? 200),
      });
      if (failure === 'drop') {
        request.socket.destroy();
        return;
      }
      response
        .writeHead(failure ?? 200, { 'content-type': 'text/plain' })
        .end(failure ? 'unavailable' : 'ok');
    });
  }
}
