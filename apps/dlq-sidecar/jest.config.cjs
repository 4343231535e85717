// Unit specs only: `nx test dlq-sidecar` starts no server. The integration specs (real
// PostgreSQL and SQS emulator) are the `integration` target (jest.int.config.cjs).
module.exports = {
  displayName: 'dlq-sidecar',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
