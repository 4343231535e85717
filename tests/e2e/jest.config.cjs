module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // Real processes and real waits: generous, but every test still ends by itself.
  testTimeout: 120_000,
};
