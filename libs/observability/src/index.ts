export * from './lib/access-log';
export * from './lib/graceful-exit';
export * from './lib/health-checks';
export { traceHttpRequests } from './lib/http-server-spans';
export * from './lib/json.logger';
export * from './lib/metrics.controller';
export * from './lib/metrics.module';
export * from './lib/resource.metrics';
