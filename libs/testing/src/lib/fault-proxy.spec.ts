import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { TcpFaultProxy } from './fault-proxy';

// Long enough for an echo over loopback to come back many times over.
const SILENCE_MS = 300;

interface Client {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

/** Connects and records what comes back; rejects with the connect error (ECONNREFUSED). */
function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('close', () => (closed = true));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => undefined);
      resolve({ socket, received: () => data, closed: () => closed });
    });
  });
}

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe(TcpFaultProxy.name, () => {
  let echo: Server;
  const upstreamSockets = new Set<Socket>();
  let proxy: TcpFaultProxy;
  const clients: Client[] = [];

  const client = async (): Promise<Client> => {
    const opened = await open(proxy.port);
    clients.push(opened);
    return opened;
  };

  beforeEach(async () => {
    echo = createServer((socket) => {
      upstreamSockets.add(socket);
      socket.on('close', () => upstreamSockets.delete(socket));
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    proxy = await TcpFaultProxy.start({
      host: '127.0.0.1',
      port: (echo.address() as AddressInfo).port,
    });
  });

  afterEach(async () => {
    clients.splice(0).forEach((opened) => opened.socket.destroy());
    await proxy.close();
    upstreamSockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => echo.close(resolve));
  });

  it('should pass bytes both ways when forwarding', async () => {
    const opened = await client();

    opened.socket.write('ping');

    await waitFor(() => opened.received() === 'ping');
  });

  it('should refuse new connections and cut open ones when refusing', async () => {
    const opened = await client();

    await proxy.setMode('refuse');

    await waitFor(() => opened.closed());
    await expect(open(proxy.port)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('should keep open connections silent without closing them when blackholed', async () => {
    const opened = await client();
    opened.socket.write('before');
    await waitFor(() => opened.received() === 'before');

    await proxy.setMode('blackhole');
    opened.socket.write('during');
    await sleep(SILENCE_MS);

    expect(opened.received()).toBe('before');
    expect(opened.closed()).toBe(false);
  });

  it('should accept new connections and never answer them when blackholed', async () => {
    await proxy.setMode('blackhole');

    const opened = await client();
    opened.socket.write('hello?');
    await sleep(SILENCE_MS);

    expect(opened.received()).toBe('');
    expect(opened.closed()).toBe(false);
  });

  it('should cut the hung connections and forward new ones when back from a blackhole', async () => {
    await proxy.setMode('blackhole');
    const hung = await client();

    await proxy.setMode('forward');
    const fresh = await client();
    fresh.socket.write('back');

    await waitFor(() => hung.closed());
    await waitFor(() => fresh.received() === 'back');
  });

  it('should forward again on the same port when back from refusing', async () => {
    await proxy.setMode('refuse');

    await proxy.setMode('forward');
    const opened = await client();
    opened.socket.write('again');

    await waitFor(() => opened.received() === 'again');
  });

  it('should cut open connections and stop listening when closed', async () => {
    const opened = await client();

    await proxy.close();

    await waitFor(() => opened.closed());
    await expect(open(proxy.port)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('should point a database URL at the proxy and keep its credentials and database', () => {
    const routed = proxy.route('postgres://orders:secret@db.example:5432/orders');

    expect(routed).toBe(`postgres://orders:secret@127.0.0.1:${proxy.port}/orders`);
  });

  it('should point an endpoint without a path at the proxy without adding one', () => {
    expect(proxy.route('http://127.0.0.1:4566')).toBe(`http://127.0.0.1:${proxy.port}`);
  });
});
