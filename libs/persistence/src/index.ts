export * from './lib/data-source.options';
export * from './lib/database-failure';
export * from './lib/lazy-data-source';
export * from './lib/new-order.record';
export * from './lib/order-item.entity';
export * from './lib/order.entity';
export * from './lib/orders.repository';
export * from './lib/run-migrations';
