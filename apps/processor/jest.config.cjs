// Unit specs only: `nx test processor` starts no server. The integration specs (real
// PostgreSQL and SQS emulator) are the `integration` target (jest.int.config.cjs).
module.exports = {
  displayName: 'processor',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  setupFiles: ['<rootDir>/src/testing/quiet-logs.setup.ts'],
};
