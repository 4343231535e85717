module.exports = {
  displayName: 'dlq-sidecar',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // Integration specs start real processes and wait for alerts; nothing may hang the suite.
  testTimeout: 60_000,
};
