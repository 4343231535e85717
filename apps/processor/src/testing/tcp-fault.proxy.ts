import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

export type ProxyMode =
  /** Pipes bytes both ways. */
  | 'forward'
  /** Nothing listens: connects fail with ECONNREFUSED, open connections are cut. */
  | 'refuse'
  /** Connects succeed but nothing ever answers (a partition): open connections hang too. */
  | 'blackhole';

/**
 * A TCP proxy in front of a real server that can fail the way networks do. Specs point a client at
 * `port` and switch modes to simulate an outage without stopping the server that other specs share.
 */
export class TcpFaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream?: Socket }>();
  private current: ProxyMode = 'forward';
  /** Connections accepted since start, whatever the mode. */
  accepted = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }, mode: ProxyMode = 'forward'): Promise<TcpFaultProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpFaultProxy(target, port);
    await proxy.setMode(mode);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Rewrites a URL's host:port to go through the proxy. */
  route(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async setMode(mode: ProxyMode): Promise<void> {
    this.current = mode;
    if (mode === 'refuse') {
      this.cutAll();
      await this.stopListening();
      return;
    }
    if (mode === 'blackhole') {
      // Open connections stop flowing: whatever was in flight never gets an answer.
      for (const pair of this.pairs) {
        pair.upstream?.destroy();
        pair.upstream = undefined;
        pair.client.unpipe();
      }
    }
    await this.listen();
  }

  cutAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await this.stopListening();
  }

  private async listen(): Promise<void> {
    if (this.server) {
      return;
    }
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    const pair: { client: Socket; upstream?: Socket } = { client };
    this.pairs.add(pair);
    const forget = () => {
      pair.upstream?.destroy();
      client.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', forget);
    client.on('close', forget);
    if (this.current !== 'forward') {
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', forget);
    upstream.on('close', () => {
      if (pair.upstream === upstream) {
        forget();
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
