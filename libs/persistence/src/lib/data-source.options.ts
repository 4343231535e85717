// TypeORM loads the driver at run time; importing it here makes bundlers and the pruned
// production package.json include it.
import 'pg';
import { readFileSync } from 'node:fs';
import { DataSourceOptions } from 'typeorm';
import { CreateOrders1764441600000 } from './migrations/1764441600000-create-orders';
import { CreateDlqSidecarTables1767225600000 } from './migrations/1767225600000-create-dlq-sidecar-tables';
import { CreateAppRoles1767484800000 } from './migrations/1767484800000-create-app-roles';
import { AddOrderClient1767744000000 } from './migrations/1767744000000-add-order-client';
import { CreateDlqScanMarks1767916800000 } from './migrations/1767916800000-create-dlq-scan-marks';
import { FailedOrderRecords1768089600000 } from './migrations/1768089600000-failed-order-records';
import { StagedRedrive1768176000000 } from './migrations/1768176000000-staged-redrive';
import { LetterAlertClaims1768262400000 } from './migrations/1768262400000-letter-alert-claims';
import { DlqSidecarLeaseEditsExpiry1767400000000 } from './migrations/1767400000000-dlq-sidecar-lease-edits-expiry';
import { OrderItemEntity } from './order-item.entity';
import { OrderEntity } from './order.entity';
import { QueryTimeoutClient } from './query-timeout.client';

export const ORDER_ENTITIES = [OrderEntity, OrderItemEntity];
// Listed explicitly (not globbed) so bundled builds carry them and order is reviewable.
export const ORDER_MIGRATIONS = [
  CreateOrders1764441600000,
  CreateDlqSidecarTables1767225600000,
  DlqSidecarLeaseEditsExpiry1767400000000,
  CreateAppRoles1767484800000,
  AddOrderClient1767744000000,
  CreateDlqScanMarks1767916800000,
  FailedOrderRecords1768089600000,
  StagedRedrive1768176000000,
  LetterAlertClaims1768262400000,
];

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  /** Server-side limit per statement, set with SET LOCAL in each write (see LazyDataSource.inOneRoundTrip). */
  statementTimeoutMs: number;
  applicationName: string;
  /** verify-full: TLS, the server's certificate checked against this CA bundle and its host name. */
  tlsRootCertPath?: string;
}

/**
 * The pg connection settings every process shares. Nothing here is sent as a startup parameter
 * beyond user, database and application_name: PgBouncer in transaction mode and RDS Proxy refuse
 * the others (statement_timeout among them), and would not keep them per client anyway.
 */
export function pgConnectionOptions(options: DatabaseOptions) {
  return {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName,
    // The client gives up a little after the server would have; a connection that timed out is
    // discarded (QueryTimeoutClient), so a half-dead socket cannot keep its pool slot.
    query_timeout: options.statementTimeoutMs + options.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ssl: tlsOptions(options.tlsRootCertPath),
  };
}

function tlsOptions(rootCertPath: string | undefined) {
  if (!rootCertPath) {
    return false;
  }
  let ca: string;
  try {
    ca = readFileSync(rootCertPath, 'utf8');
  } catch (error) {
    throw new Error(
      `DB_SSL_ROOT_CERT: cannot read the CA bundle ${rootCertPath}: ${(error as Error).message}`,
    );
  }
  // Node checks the chain against `ca` and the host name against the certificate: verify-full.
  return { ca, rejectUnauthorized: true };
}

export function ordersDataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  const { connectionString, ...pg } = pgConnectionOptions(options);
  return {
    type: 'postgres',
    url: connectionString,
    entities: ORDER_ENTITIES,
    migrations: ORDER_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Failures surface as exceptions and are logged by the caller with order context.
    logging: false,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
    connectTimeoutMS: options.connectTimeoutMs,
    ssl: pg.ssl,
    extra: {
      ...pg,
      Client: QueryTimeoutClient,
      idleTimeoutMillis: 30_000,
    },
  };
}
