// ESM entry for Node scripts (npm start, the bench): the stack helpers plus the ESM-only services.
export {
  APPS,
  AppProcess,
  HEAP_FLAG,
  REPO_ROOT,
  freePort,
  runOnce,
  sha256Hex,
  startStack,
  waitForHttp,
} from './stack.cjs';
export { startLocalPostgres } from './local-postgres.mjs';
export { startTestPostgres } from './test-postgres.mjs';
export { startLocalSqs } from './local-sqs.mjs';
export { createQueuePair } from './queue-pair.cjs';
