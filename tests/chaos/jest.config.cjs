// Real processes, a real PostgreSQL per scenario, signals and outages: one scenario at a time.
module.exports = {
  displayName: 'chaos',
  preset: '../../jest.preset.js',
  testEnvironment: '<rootDir>/src/support/chaos.environment.mjs',
  testMatch: ['<rootDir>/src/scenarios/*.chaos-spec.ts'],
  testSequencer: '<rootDir>/src/support/by-name.sequencer.cjs',
  globalSetup: '<rootDir>/src/support/run-summary.setup.mjs',
  globalTeardown: '<rootDir>/src/support/run-summary.teardown.mjs',
  maxWorkers: 1,
  testTimeout: 150_000,
};
