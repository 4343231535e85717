import nx from '@nx/eslint-plugin';

/** Module boundaries, checked on direct imports. */
function boundaries({ testsMayUseTesting }) {
  const withTesting = (tags) => (testsMayUseTesting ? [...tags, 'scope:testing'] : tags);
  return {
    enforceBuildableLibDependency: true,
    allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
    depConstraints: [
      // Apps are leaves: they use shared libs, never each other.
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: withTesting(['scope:shared']) },
      { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: withTesting(['scope:shared']) },
      { sourceTag: 'scope:processor', onlyDependOnLibsWithTags: withTesting(['scope:shared']) },
      { sourceTag: 'scope:dlq-sidecar', onlyDependOnLibsWithTags: withTesting(['scope:shared']) },
      // contracts and config are the roots of the graph: no internal imports.
      { sourceTag: 'layer:root', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
      {
        sourceTag: 'type:data-access',
        onlyDependOnLibsWithTags: withTesting(['type:util', 'type:data-access']),
      },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['scope:shared'] },
      // Suites, the bench and the manifests' checks may use everything shared and the harness.
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] },
    ],
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '.local/**', 'bench/results/**'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.cts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries({ testsMayUseTesting: false })],
    },
  },
  {
    // Specs may use the test harness; production code may not (apps and libs alike).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testsMayUseTesting: true })] },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: 'error',
      curly: 'error',
      'no-console': 'error',
    },
  },
];
