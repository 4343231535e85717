import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { LazyDataSource } from './lazy-data-source';

/**
 * A TCP relay in front of the test PostgreSQL. `failFirstQuery` answers the first simple query of
 * each connection itself with an ErrorResponse and keeps the connection open: TypeORM's
 * initialize() then fails after its pool exists, with a client checked out.
 */
class PostgresRelay {
  readonly clients = new Set<Socket>();
  failFirstQuery = false;
  private server: Server | undefined;

  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async reservePort(target: { host: string; port: number }): Promise<PostgresRelay> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    return new PostgresRelay(target, port);
  }

  async open(): Promise<void> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) =>
      this.server?.listen(this.port, '127.0.0.1', () => resolve()),
    );
  }

  async close(): Promise<void> {
    this.clients.forEach((client) => client.destroy());
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  private relay(client: Socket): void {
    this.clients.add(client);
    const upstream = connect(this.target.port, this.target.host);
    const forget = () => {
      this.clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let startup = true;
    let intercept = this.failFirstQuery;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Walk complete frontend messages: the startup message has no type byte, the others do.
      for (;;) {
        const header = startup ? 0 : 1;
        if (pending.length < header + 4) {
          return;
        }
        const length = header + pending.readInt32BE(header);
        if (pending.length < length) {
          return;
        }
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        const isQuery = !startup && message[0] === 0x51;
        startup = startup && message.readInt32BE(4) === 80877103; // an SSLRequest is followed by the real startup
        if (isQuery && intercept) {
          intercept = false;
          client.write(
            Buffer.concat([
              errorResponse('57P03', 'the database system is starting up'),
              Buffer.from([0x5a, 0, 0, 0, 5, 0x49]),
            ]),
          );
          continue;
        }
        upstream.write(message);
      }
    });
  }
}

// Not @orders/testing: it depends on this library (a cycle).
function databaseUrl(): URL {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set: run through the project (jest global setup)');
  }
  return new URL(url);
}

async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`SERROR\0C${code}\0M${text}\0`), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

describe(LazyDataSource.name, () => {
  let relay: PostgresRelay;
  let database: LazyDataSource;

  beforeEach(async () => {
    const target = databaseUrl();
    relay = await PostgresRelay.reservePort({
      host: target.hostname,
      port: Number(target.port),
    });
    target.hostname = '127.0.0.1';
    target.port = String(relay.port);
    database = new LazyDataSource({
      url: target.toString(),
      poolSize: 2,
      connectTimeoutMs: 1000,
      statementTimeoutMs: 5000,
      applicationName: 'lazy-data-source-spec',
    });
  });

  afterEach(async () => {
    await database.close();
    await relay.close();
  });

  it('should connect on a later use when the database was down at the first one', async () => {
    await expect(database.get()).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });

    await relay.open();
    const dataSource = await database.get();

    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('should not keep the connection of an initialize that failed halfway, and connect on the next use', async () => {
    relay.failFirstQuery = true;
    await relay.open();

    await expect(database.get()).rejects.toThrow('the database system is starting up');

    // The client TypeORM had checked out is gone, not leaked with a pool nobody will end.
    await eventually(async () => expect(relay.clients.size).toBe(0), 3_000);
    relay.failFirstQuery = false;
    const dataSource = await database.get();
    expect(await dataSource.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect(relay.clients.size).toBe(1);
  });

  it('should refuse to open a new pool after it was closed', async () => {
    await relay.open();
    await database.get();

    await database.close();

    await expect(database.get()).rejects.toThrow('shutting down');
    await eventually(async () => expect(relay.clients.size).toBe(0), 3_000);
  });
});
