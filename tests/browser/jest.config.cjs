module.exports = {
  displayName: 'browser',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.browser-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // A real Chromium and real processes: every step still ends by itself.
  testTimeout: 60_000,
};
