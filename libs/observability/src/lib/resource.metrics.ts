import { Gauge, Registry } from 'prom-client';

/** What pg's Pool reports about itself (TypeORM's Postgres driver keeps one as `driver.master`). */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/**
 * Connection pool saturation, read at scrape time: busy and idle connections, clients waiting for
 * one, and the configured size. A pool not opened yet reports zeros.
 */
export function registerPoolMetrics(
  registry: Registry,
  pool: () => PoolStats | undefined,
  size: number,
): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of this process pool by state (busy, idle)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = pool();
      this.set({ state: 'busy' }, stats ? stats.totalCount - stats.idleCount : 0);
      this.set({ state: 'idle' }, stats?.idleCount ?? 0);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_clients',
    help: 'Queries waiting for a free pooled connection',
    registers: [registry],
    collect() {
      this.set(pool()?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'Configured pool size (DB_POOL_SIZE)',
    registers: [registry],
  }).set(size);
}

/**
 * The depth of a queue as SQS counts it, asked for at scrape time (one GetQueueAttributes per
 * scrape). A failed call leaves the series out of that scrape rather than reporting a false zero.
 */
export function registerQueueDepthMetrics(
  registry: Registry,
  probe: () => Promise<QueueCounts>,
): void {
  new Gauge({
    name: 'sqs_queue_messages',
    help: 'Messages in the orders queue by state (visible, in_flight, delayed), approximate',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const depth = await probe();
        this.set({ state: 'visible' }, depth.visible);
        this.set({ state: 'in_flight' }, depth.inFlight);
        this.set({ state: 'delayed' }, depth.delayed);
      } catch {
        // No answer from SQS: no sample, and the readiness probe says why.
      }
    },
  });
}
