import { ConfigError } from './config.error';
import { DlqSidecarConfig } from './dlq-sidecar.config';
import { loadConfig } from './load-config';
import { DatabaseConfig } from './shared.config';

const DATABASE_URL = 'postgres://orders:secret@db.internal:5432/orders';
const SIDECAR = {
  DATABASE_URL,
  ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
  ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
};

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe('DatabaseConfig TLS', () => {
  it('should connect without TLS by default and pass the CA path on with verify-full', () => {
    expect(
      loadConfig(DatabaseConfig, { DATABASE_URL }).databaseConnection('x').tlsRootCertPath,
    ).toBeUndefined();

    const config = loadConfig(DatabaseConfig, {
      DATABASE_URL,
      DB_SSL_MODE: 'verify-full',
      // Read when the pool is built; its content is checked when connecting.
      DB_SSL_ROOT_CERT: __filename,
    });

    expect(config.databaseConnection('orders-migrate', 1)).toEqual({
      url: DATABASE_URL,
      poolSize: 1,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 10_000,
      applicationName: 'orders-migrate',
      tlsRootCertPath: __filename,
    });
  });

  it('should refuse verify-full without a CA bundle, in every app', () => {
    expect(
      problemsOf(() => loadConfig(DatabaseConfig, { DATABASE_URL, DB_SSL_MODE: 'verify-full' })),
    ).toEqual(['DB_SSL_ROOT_CERT: required with DB_SSL_MODE=verify-full']);
    expect(
      problemsOf(() => loadConfig(DlqSidecarConfig, { ...SIDECAR, DB_SSL_MODE: 'verify-full' })),
    ).toEqual(['DB_SSL_ROOT_CERT: required with DB_SSL_MODE=verify-full']);
  });

  it('should refuse TLS parameters in DATABASE_URL, which pg would apply over DB_SSL_MODE', () => {
    expect(
      problemsOf(() =>
        loadConfig(DatabaseConfig, { DATABASE_URL: `${DATABASE_URL}?sslmode=require` }),
      ),
    ).toEqual([expect.stringMatching(/DATABASE_URL: TLS is set with DB_SSL_MODE/)]);
  });

  it('should refuse an unknown mode and a CA bundle that would not be used', () => {
    expect(
      problemsOf(() => loadConfig(DatabaseConfig, { DATABASE_URL, DB_SSL_MODE: 'require' })),
    ).toEqual([expect.stringMatching(/DB_SSL_MODE/)]);
    expect(
      problemsOf(() => loadConfig(DatabaseConfig, { DATABASE_URL, DB_SSL_ROOT_CERT: __filename })),
    ).toEqual([expect.stringMatching(/DB_SSL_ROOT_CERT: set, but DB_SSL_MODE=disable/)]);
  });
});
