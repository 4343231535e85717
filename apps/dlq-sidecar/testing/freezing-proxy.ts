import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP hop that can go half-dead: frozen, it forwards nothing either way but keeps both sockets
 * open, as a partition the kernel has not noticed yet. The server keeps the session (and any
 * session state, such as an advisory lock); the client waits for answers that never come.
 */
export class FreezingProxy {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly state: { frozen: boolean; sockets: Set<Socket> },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FreezingProxy> {
    const state = { frozen: false, sockets: new Set<Socket>() };
    const server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        state.sockets.add(from);
        from.on('data', (chunk) => state.frozen || to.write(chunk));
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FreezingProxy(server, (server.address() as AddressInfo).port, state);
  }

  route(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  freeze(): void {
    this.state.frozen = true;
  }

  async close(): Promise<void> {
    this.state.sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => this.server.close(resolve));
  }
}
