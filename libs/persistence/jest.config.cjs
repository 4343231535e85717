module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
  // Migrating a fresh database takes seconds on a busy 2-core machine.
  testTimeout: 30_000,
};
