// The built apps inside memory cgroups of their prod limits, overloaded: one run at a time.
module.exports = {
  displayName: 'spike',
  preset: '../../jest.preset.js',
  testEnvironment: '<rootDir>/src/support/spike.environment.mjs',
  testMatch: ['<rootDir>/src/*.spike-spec.ts'],
  maxWorkers: 1,
  testTimeout: 240_000,
};
