module.exports = {
  displayName: 'monitoring',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // Real Prometheus, Alertmanager and app processes: generous, but every test ends by itself.
  testTimeout: 120_000,
};
