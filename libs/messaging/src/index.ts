export * from './lib/message-attributes.helpers';
export * from './lib/micro-batcher';
export * from './lib/queue-probe';
export * from './lib/random-pool';
export * from './lib/sqs-client.factory';
export * from './lib/sqs-limits';
export * from './lib/trace-context';
