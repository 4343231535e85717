module.exports = {
  displayName: 'k8s',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
