// Infers a `typecheck` target for every project with a tsconfig: SWC and webpack strip types
// without checking them, so only `tsc --noEmit` finds type errors, in specs as much as in code.
const { existsSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');
const ts = require('typescript');

// The project's own configs (app or lib, spec); a solution config with references checks nothing.
function checkedConfigs(projectRoot) {
  return readdirSync(projectRoot)
    .filter((name) => /^tsconfig.*\.json$/.test(name))
    .filter(
      (name) => !ts.readConfigFile(join(projectRoot, name), ts.sys.readFile).config.references,
    )
    .sort();
}

module.exports = {
  name: 'typecheck',
  createNodes: [
    '**/tsconfig.json',
    (files, _options, { workspaceRoot }) =>
      files
        .map((file) => [file, dirname(file)])
        .filter(([, root]) => existsSync(join(workspaceRoot, root, 'project.json')))
        .map(([file, root]) => [
          file,
          {
            projects: {
              [root]: {
                targets: {
                  typecheck: {
                    command: checkedConfigs(join(workspaceRoot, root))
                      .map((config) => `tsc --noEmit -p ${config}`)
                      .join(' && '),
                    options: { cwd: root },
                    cache: true,
                    // Dependencies are checked from source (path aliases); with no
                    // externalDependencies input every package's version is in the hash.
                    inputs: ['default', '^production', '{workspaceRoot}/tsconfig.base.json'],
                    outputs: [],
                  },
                },
              },
            },
          },
        ]),
  ],
};
