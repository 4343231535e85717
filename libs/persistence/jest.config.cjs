// Unit specs only: `nx test persistence` starts no server. The integration specs (real
// PostgreSQL and SQS emulator) are the `integration` target (jest.int.config.cjs).
module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
