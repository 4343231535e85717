import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Specs and their helpers may use the shared test harness; the app itself may not.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [{ sourceTag: 'scope:dlq-sidecar', onlyDependOnLibsWithTags: ['scope:shared'] }],
        },
      ],
    },
  },
];
