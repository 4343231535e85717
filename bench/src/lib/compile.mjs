import { transformFile } from '@swc/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * Compiles a self-contained TypeScript server (no path aliases) to CommonJS once, ahead of time, so
 * its cold start is measured like the gateway's webpack output: plain `node file.js`, no loader.
 */
export async function compileServer(source, outDir) {
  const { code } = await transformFile(source, {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  });
  await mkdir(outDir, { recursive: true });
  const target = join(outDir, basename(source).replace(/\.ts$/, '.js'));
  await writeFile(target, code);
  return target;
}
