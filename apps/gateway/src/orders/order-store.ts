import { OnApplicationShutdown } from '@nestjs/common';
import type {
  DatabaseOptions,
  LazyDataSource,
  OrderEntity,
  OrdersRepository,
} from '@orders/persistence';

/**
 * The read path's database. TypeORM and pg load on the first GET /orders/:id, not at boot:
 * accepting orders never needs them, and they are a fifth of the gateway's start-up.
 */
export class OrderStore implements OnApplicationShutdown {
  private loaded: { database: LazyDataSource; repository: OrdersRepository } | undefined;

  constructor(private readonly options: DatabaseOptions) {}

  findWithItems(orderId: string, clientId: string): Promise<OrderEntity | null> {
    return this.load().repository.findWithItems(orderId, clientId);
  }

  /** The pool's counts for the metrics; undefined until the first read connects. */
  poolStats(): ReturnType<LazyDataSource['poolStats']> {
    return this.loaded?.database.poolStats();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loaded?.database.close();
  }

  private load(): { database: LazyDataSource; repository: OrdersRepository } {
    if (!this.loaded) {
      // Synchronous on purpose: the module is in the bundle, only its evaluation is deferred.
      const persistence = require('@orders/persistence') as typeof import('@orders/persistence');
      const database = new persistence.LazyDataSource(this.options);
      this.loaded = { database, repository: new persistence.OrdersRepository(database) };
    }
    return this.loaded;
  }
}
