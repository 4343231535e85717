module.exports = {
  displayName: 'k8s',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  resolver: '<rootDir>/esm-models.resolver.cjs',
  transformIgnorePatterns: ['^(?!.*/node_modules/@kubernetes-models/keda/).*/node_modules/'],
};
