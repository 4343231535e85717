export * from './lib/config.error';
export * from './lib/console.config';
export * from './lib/dlq-sidecar.config';
export * from './lib/env-transforms';
export * from './lib/gateway.config';
export * from './lib/load-config';
export * from './lib/processor.config';
export * from './lib/shared.config';
