import { ConfigError } from './config.error';
import { loadConfig } from './load-config';
import { ProcessorConfig } from './processor.config';

const REQUIRED = {
  DATABASE_URL: 'postgres://orders:secret@db:5432/orders',
  ORDERS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
  ORDERS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(ProcessorConfig, { ...REQUIRED, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
}

describe(ProcessorConfig.name, () => {
  it('should accept the defaults when only the locations are given', () => {
    const config = loadConfig(ProcessorConfig, REQUIRED);

    expect(config).toMatchObject({
      POLLERS: 2,
      DB_POOL_SIZE: 4,
      VISIBILITY_TIMEOUT_SECONDS: 60,
      HEARTBEAT_INTERVAL_SECONDS: 20,
      HANDLER_TIMEOUT_MS: 20_000,
      DRAIN_BUDGET_MS: 25_000,
    });
  });

  it('should reject a heartbeat that is not well below the visibility timeout', () => {
    expect(
      problems({
        VISIBILITY_TIMEOUT_SECONDS: '30',
        HEARTBEAT_INTERVAL_SECONDS: '20',
      }),
    ).toEqual(['HEARTBEAT_INTERVAL_SECONDS: must be at most half of VISIBILITY_TIMEOUT_SECONDS']);
  });

  it('should reject a handler timeout that outlasts the visibility timeout', () => {
    expect(
      problems({
        VISIBILITY_TIMEOUT_SECONDS: '20',
        HEARTBEAT_INTERVAL_SECONDS: '5',
        HANDLER_TIMEOUT_MS: '20000',
      }),
    ).toEqual(['HANDLER_TIMEOUT_MS: must be below VISIBILITY_TIMEOUT_SECONDS']);
  });

  it('should reject a handler timeout shorter than the in-process retries of a down database', () => {
    // (3 + 1) × 2000 ms connect timeout + 50 × (2³ − 1) ms backoff = 8350 ms
    expect(problems({ HANDLER_TIMEOUT_MS: '8000' })).toEqual([
      expect.stringContaining('HANDLER_TIMEOUT_MS: must exceed the in-process retries'),
    ]);
    expect(problems({ HANDLER_TIMEOUT_MS: '8400' })).toEqual([]);
  });

  it('should reject a pool smaller than one connection per poller plus one for probes', () => {
    expect(problems({ POLLERS: '4', DB_POOL_SIZE: '4' })).toEqual([
      expect.stringContaining('DB_POOL_SIZE: must be at least POLLERS + 1'),
    ]);
    expect(problems({ POLLERS: '4', DB_POOL_SIZE: '5' })).toEqual([]);
  });

  it('should enforce pool size × max replicas ≤ database connections − reserve when both limits are given', () => {
    expect(
      problems({
        DB_POOL_SIZE: '6',
        MAX_REPLICAS: '30',
        DB_MAX_CONNECTIONS: '200',
        DB_RESERVED_CONNECTIONS: '25',
      }),
    ).toEqual([
      'DB_POOL_SIZE: 6 × MAX_REPLICAS 30 = 180 exceeds DB_MAX_CONNECTIONS − DB_RESERVED_CONNECTIONS = 175',
    ]);
    expect(
      problems({
        DB_POOL_SIZE: '6',
        MAX_REPLICAS: '29',
        DB_MAX_CONNECTIONS: '200',
        DB_RESERVED_CONNECTIONS: '25',
      }),
    ).toEqual([]);
    // Without the server's limit there is nothing to check against.
    expect(problems({ DB_POOL_SIZE: '6', MAX_REPLICAS: '1000' })).toEqual([]);
  });

  it('should report every broken rule at once', () => {
    expect(
      problems({
        VISIBILITY_TIMEOUT_SECONDS: '10',
        HEARTBEAT_INTERVAL_SECONDS: '9',
        HANDLER_TIMEOUT_MS: '10000',
        POLLERS: '8',
        DB_POOL_SIZE: '8',
      }),
    ).toHaveLength(3);
  });
});
