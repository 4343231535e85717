import baseConfig from '../../eslint.config.mjs';

const testHarnessAllowed = ['scope:shared', 'scope:testing'];

export default [
  ...baseConfig,
  {
    // Helpers that only specs import (and tsconfig.app.json excludes) may use the harness, as specs may.
    files: ['testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: testHarnessAllowed,
            },
            {
              sourceTag: 'scope:dlq-sidecar',
              onlyDependOnLibsWithTags: testHarnessAllowed,
            },
          ],
        },
      ],
    },
  },
];
