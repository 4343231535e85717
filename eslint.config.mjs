import nx from '@nx/eslint-plugin';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

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

/**
 * Folders inside an app, arrows one way: each entry names a folder and the folders of the same app
 * it may not import. Together with no-cycle (files) this keeps every app a straight line.
 */
const APP_FOLDER_RULES = {
  'apps/processor/src': {
    // The transport knows nothing of orders; handlers know nothing of the transport.
    consumer: ['orders', 'health', 'lifecycle', 'testing'],
    orders: ['consumer', 'health', 'lifecycle', 'testing'],
    messages: ['consumer', 'orders', 'health', 'lifecycle', 'metrics', 'testing'],
    metrics: ['consumer', 'orders', 'health', 'lifecycle', 'messages', 'testing'],
    health: ['orders', 'lifecycle', 'testing'],
    lifecycle: ['orders', 'health', 'testing'],
  },
  'apps/gateway/src': {
    // http/ is the shell (bootstrap, the one exception filter): it may see every feature, none sees it.
    auth: ['http', 'orders', 'health'],
    orders: ['http', 'auth', 'health'],
    health: ['http', 'auth', 'orders'],
    metrics: ['http', 'auth', 'orders', 'health', 'request'],
    request: ['http', 'auth', 'orders', 'health', 'metrics'],
  },
  'apps/dlq-sidecar/src': {
    // doors -> operations -> dlq; alerting -> dlq, metrics; dlq/ (the only SQS code) sees no job.
    dlq: ['alerting', 'operations', 'doors', 'health', 'metrics'],
    operations: ['alerting', 'doors', 'health', 'metrics'],
    alerting: ['operations', 'doors', 'health'],
    metrics: ['alerting', 'operations', 'doors', 'health'],
    health: ['operations', 'doors'],
  },
};

function folderZones() {
  return Object.entries(APP_FOLDER_RULES).flatMap(([root, folders]) =>
    Object.entries(folders).flatMap(([folder, forbidden]) =>
      forbidden.map((other) => ({
        target: `./${root}/${folder}`,
        from: `./${root}/${other}`,
        message: `${folder}/ must not import ${other}/ (see eslint.config.mjs APP_FOLDER_RULES)`,
      })),
    ),
  );
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
    // testing/ folders hold helpers only specs import (the apps' tsconfig.app.json leave them out).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testsMayUseTesting: true })] },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      // Only relative imports resolve here, so this looks at cycles inside an app; Nx checks projects.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        { basePath: import.meta.dirname, zones: folderZones() },
      ],
    },
  },
  {
    // Test fixtures are for specs.
    files: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: folderZones().filter((zone) => !zone.from.endsWith('/testing')),
        },
      ],
    },
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
