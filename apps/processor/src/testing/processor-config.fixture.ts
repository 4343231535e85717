import { loadConfig, ProcessorConfig } from '@orders/config';

/** A validated processor config for specs: the required keys filled in, everything else overridable. */
export function processorConfig(overrides: Record<string, string> = {}): ProcessorConfig {
  return loadConfig(ProcessorConfig, {
    DATABASE_URL: 'postgres://orders:orders@127.0.0.1:1/orders',
    ORDERS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/orders',
    ORDERS_DLQ_URL: 'http://127.0.0.1:1/000000000000/orders-dlq',
    INSTANCE_ID: 'processor-spec',
    LOG_LEVEL: 'error',
    ...overrides,
  });
}
