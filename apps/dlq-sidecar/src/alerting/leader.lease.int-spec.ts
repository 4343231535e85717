import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { createQueuePair, migratedDatabase, testSqsClient } from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FreezingProxy } from '../../testing/freezing-proxy';
import { baseEnv } from '../../testing/processes';
import { queueNameOf } from '../dlq/dead-letter';
import { WatcherRole } from '../metrics/sidecar.metrics';
import { LeaderLease } from './leader.lease';
import { DatabaseLedger, LeaseLostError } from './ledger/database.ledger';

const LEASE_MS = 2000;

describe(`${LeaderLease.name} (real PostgreSQL)`, () => {
  let database: LazyDataSource;
  let env: Record<string, string>;
  const opened: LazyDataSource[] = [];

  const pool = (url: string, poolSize = 1) => {
    // The sidecar's own connection settings (DB_CONNECT_TIMEOUT_MS from env), to the given address.
    const source = new LazyDataSource({
      ...loadConfig(DlqSidecarConfig, env).databaseConnection('lease-test', poolSize),
      url,
    });
    opened.push(source);
    return source;
  };
  const lease = (source: LazyDataSource, instance: string) =>
    new LeaderLease(source, loadConfig(DlqSidecarConfig, { ...env, INSTANCE_ID: instance }));

  beforeAll(async () => {
    database = await migratedDatabase();
  });

  beforeEach(async () => {
    // Its own DLQ name per test: one lease row each.
    env = {
      ...baseEnv(await createQueuePair(testSqsClient())),
      DLQ_LEADER_LEASE_MS: String(LEASE_MS),
      DLQ_POLL_INTERVAL_MS: '500',
      DB_CONNECT_TIMEOUT_MS: '500',
    };
  });

  afterAll(async () => {
    await Promise.all(opened.map((source) => source.close()));
    await database.close();
  });

  it('should elect one leader although both sidecars share one server connection, as behind a transaction-mode pooler', async () => {
    // PgBouncer in transaction mode runs each statement on whichever server connection is free:
    // one connection shared by both is the extreme case. Session state would be shared too.
    const shared = pool(env.DATABASE_URL, 1);
    const [a, b] = [lease(shared, 'a'), lease(shared, 'b')];

    const roles = [
      await a.currentRole(),
      await b.currentRole(),
      await a.currentRole(),
      await b.currentRole(),
    ];

    expect(roles).toEqual(['leader', 'follower', 'leader', 'follower']);
  });

  it("should hand over when the leader's connection half-dies, and the old leader stops before the new one starts", async () => {
    const target = new URL(env.DATABASE_URL);
    const proxy = await FreezingProxy.start({ host: target.hostname, port: Number(target.port) });
    try {
      const a = lease(pool(proxy.route(env.DATABASE_URL)), 'a');
      const b = lease(pool(env.DATABASE_URL), 'b');
      expect([await a.currentRole(), await b.currentRole()]).toEqual(['leader', 'follower']);

      proxy.freeze();
      const seen: { a: WatcherRole; aLeading: boolean; b: WatcherRole }[] = [];
      const deadline = Date.now() + LEASE_MS * 4;
      while (Date.now() < deadline && seen.at(-1)?.b !== 'leader') {
        const [roleA, roleB] = await Promise.all([a.currentRole(), b.currentRole()]);
        seen.push({ a: roleA, aLeading: a.leading, b: roleB });
        await sleep(100);
      }

      expect(seen.at(-1)).toEqual({ a: 'uncoordinated', aLeading: false, b: 'leader' });
      // Never two leaders: while b leads, a does not count itself leader.
      expect(
        seen.filter((round) => round.b === 'leader' && (round.a === 'leader' || round.aLeading)),
      ).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('should refuse the ledger writes of a leader whose lease another sidecar has taken over', async () => {
    const [a, b] = [lease(pool(env.DATABASE_URL), 'a'), lease(pool(env.DATABASE_URL), 'b')];
    expect(await a.currentRole()).toBe('leader');
    const staleFence = a.fence();
    const dlqName = queueNameOf(env.ORDERS_DLQ_URL);
    // a stalls (a long pause); its lease runs out in the database and b takes over.
    await database.dataSource.query(
      `UPDATE dlq_leader_lease SET expires_at = now() - interval '1 second' WHERE dlq_name = $1`,
      [dlqName],
    );
    expect(await b.currentRole()).toBe('leader');
    const staleLedger = new DatabaseLedger(database, dlqName, () => staleFence);
    const messageId = randomUUID();

    await expect(
      staleLedger.alerted({
        groupKey: 'X',
        messageIds: [messageId],
        reason: 'r',
        openedAt: new Date(),
        at: new Date(),
      }),
    ).rejects.toThrow(LeaseLostError);
    const groups = await database.dataSource.query(
      `SELECT 1 FROM dlq_alert_groups WHERE dlq_name = $1`,
      [dlqName],
    );
    expect(groups).toEqual([]);
  });
});
