module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  globalSetup: '../../libs/testing/src/jest/global-setup.mjs',
  globalTeardown: '../../libs/testing/src/jest/global-teardown.mjs',
};
