// Integration specs: the real PostgreSQL and SQS emulator of jest's global setup
// (`nx run dlq-sidecar:integration`; `npm test` runs it after the unit specs).
module.exports = {
  ...require('./jest.config.cjs'),
  displayName: 'dlq-sidecar:integration',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // Integration specs start real processes and wait for alerts; nothing may hang the suite.
  testTimeout: 60_000,
};
