import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

export type FaultProxyMode =
  // Pipes bytes both ways.
  | 'forward'
  // Nothing listens: connects fail with ECONNREFUSED, open connections are cut.
  | 'refuse'
  // A silent partition: connects succeed, nothing ever answers, open connections hang.
  | 'blackhole';

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/**
 * A TCP hop in front of a real server that fails the way networks do, so a spec can cause an
 * outage without stopping a server that others share. Back to `forward` after a `blackhole`, the
 * connections that hung are cut, as a healed network would reset them.
 */
export class TcpFaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private current: FaultProxyMode = 'forward';

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpFaultProxy> {
    // The port stays the same across modes, so clients keep their URL through an outage.
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpFaultProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  /** The URL with its host and port replaced by the proxy's (`http://host:1` stays without a path). */
  route(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    const routed = parsed.toString();
    return routed.endsWith('/') && !url.endsWith('/') ? routed.slice(0, -1) : routed;
  }

  async setMode(mode: FaultProxyMode): Promise<void> {
    const previous = this.current;
    this.current = mode;
    switch (mode) {
      case 'refuse':
        this.cutAll();
        await this.stopListening();
        return;
      case 'blackhole':
        // Open connections stop flowing without an error: what was in flight never gets an answer.
        for (const pair of this.pairs) {
          pair.upstream?.destroy();
          pair.upstream = undefined;
          pair.client.unpipe();
        }
        await this.listen();
        return;
      case 'forward':
        if (previous === 'blackhole') {
          this.cutAll();
        }
        await this.listen();
        return;
    }
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
    const pair: Pair = { client };
    this.pairs.add(pair);
    const forget = (): void => {
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
    // A blackhole destroys the upstream on purpose and keeps the client hanging.
    upstream.on('close', () => {
      if (pair.upstream === upstream) {
        forget();
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
