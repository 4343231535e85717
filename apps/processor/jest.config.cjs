module.exports = {
  displayName: 'processor',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  setupFiles: ['<rootDir>/src/testing/quiet-logs.setup.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
};
