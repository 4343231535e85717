// TypeORM loads the driver at run time; importing it here makes bundlers and the pruned
// production package.json include it.
import 'pg';
import { DataSourceOptions } from 'typeorm';
import { CreateOrders1764441600000 } from './migrations/1764441600000-create-orders';
import { CreateDlqSidecarTables1767225600000 } from './migrations/1767225600000-create-dlq-sidecar-tables';
import { DlqSidecarLeaseEditsExpiry1767400000000 } from './migrations/1767400000000-dlq-sidecar-lease-edits-expiry';
import { OrderItemEntity } from './order-item.entity';
import { OrderEntity } from './order.entity';

export const ORDER_ENTITIES = [OrderEntity, OrderItemEntity];
// Listed explicitly (not globbed) so bundled builds carry them and order is reviewable.
export const ORDER_MIGRATIONS = [
  CreateOrders1764441600000,
  CreateDlqSidecarTables1767225600000,
  DlqSidecarLeaseEditsExpiry1767400000000,
];

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  applicationName: string;
}

export function ordersDataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: ORDER_ENTITIES,
    migrations: ORDER_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Failures surface as exceptions and are logged by the caller with order context.
    logging: false,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
    connectTimeoutMS: options.connectTimeoutMs,
    extra: {
      // Fail fast when the pool is exhausted or the server is gone, instead of hanging a handler.
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
      keepAlive: true,
    },
  };
}
