const { join } = require('node:path');
const nxPreset = require('@nx/jest/preset').default;

// SWC instead of ts-jest: half the cold start. Nest needs legacy decorators and
// emitted metadata or its injector receives `undefined`.
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // jose and openid-client ship ESM only (Node 24 require()s them; jest's runtime cannot): transformed.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  moduleNameMapper: {
    '^content-disposition$': join(__dirname, 'libs/testing/src/jest/content-disposition.cjs'),
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs'],
  reporters: ['default', join(__dirname, 'tools/jest/runtime-reporter.cjs')],
  coverageReporters: ['text-summary'],
};
