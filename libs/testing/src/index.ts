export * from './lib/fault-proxy';
export * from './lib/stack-harness';
export * from './lib/test-stack';
export * from './lib/sqs-fault-proxy';
