// Integration specs: the real PostgreSQL and SQS emulator of jest's global setup
// (`nx run gateway:integration`; `npm test` runs it after the unit specs).
module.exports = {
  ...require('./jest.config.cjs'),
  displayName: 'gateway:integration',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
};
