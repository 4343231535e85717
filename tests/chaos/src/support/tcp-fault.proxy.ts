import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A TCP hop that fails like a network: `refuse` closes the port (ECONNREFUSED) and cuts open
 * connections; `blackhole` accepts and never answers, like a partition. Back to `forward`, the
 * connections made during the fault are cut, as a healed network would reset them.
 */
export class TcpFaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream?: Socket }>();
  private current: ProxyMode = 'forward';

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpFaultProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpFaultProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const previous = this.current;
    this.current = mode;
    if (mode === 'refuse') {
      this.cutAll();
      await this.stopListening();
      return;
    }
    if (mode === 'blackhole' || previous === 'blackhole') {
      this.cutAll();
    }
    await this.listen();
  }

  async close(): Promise<void> {
    this.cutAll();
    await this.stopListening();
  }

  private cutAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
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
    upstream.on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
