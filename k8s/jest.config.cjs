module.exports = {
  displayName: 'k8s',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  resolver: '<rootDir>/esm-models.resolver.cjs',
  // Also the sidecar's ESM-only sign-in libraries (see jest.preset.js): the checks load its modules.
  transformIgnorePatterns: [
    '^(?!.*/node_modules/(@kubernetes-models/keda|jose|openid-client|oauth4webapi)/).*/node_modules/',
  ],
};
