module.exports = {
  displayName: 'bench',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // One smoke run of the whole bench: real processes, real PostgreSQL, real SQS emulator.
  testTimeout: 900_000,
};
