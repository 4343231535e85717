export * from './lib/test-stack';
