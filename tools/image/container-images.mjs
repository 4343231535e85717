// Builds each app's image from the Dockerfile with a real container engine (buildah) and boots it
// (podman): non-root user, GET /health/live, SIGTERM -> exit 0. No registry is reachable, so the
// base image named by the Dockerfile's FROM is made here: a Debian root file system (debootstrap)
// plus the same Node binary `npm ci` installed for development, and npm.
//   node tools/image/container-images.mjs [gateway processor dlq-sidecar]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Outside the repository: the engine's storage is large and must stay out of every tool's view.
const WORK = process.env.IMAGE_WORK_DIR ?? '/var/tmp/order-pipeline-containers';
const TOOLS = ['buildah', 'podman', 'runc', 'debootstrap'];
export const APPS = ['gateway', 'processor', 'dlq-sidecar'];

/** The engines this script needs, or the apt line that brings them. */
export function missingTools() {
  return TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

/** The base image the Dockerfile names (`ARG NODE_IMAGE=...`), and the Node version it must hold. */
export function baseImage() {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const tag = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  if (!tag) {
    throw new Error('Dockerfile: no ARG NODE_IMAGE=<image> line');
  }
  return { name: `localhost/${tag}`, tag };
}

// crun cannot start containers on this cgroup layout and the default rlimits are refused here:
// runc, cgroupfs and explicit ulimits, in configuration files of our own.
function engineEnvironment() {
  mkdirSync(join(WORK, 'tmp'), { recursive: true });
  const containersConf = join(WORK, 'containers.conf');
  writeFileSync(
    containersConf,
    [
      '[containers]',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '',
    ].join('\n'),
  );
  const storageConf = join(WORK, 'storage.conf');
  writeFileSync(
    storageConf,
    [
      '[storage]',
      'driver = "overlay"',
      `graphroot = "${join(WORK, 'storage')}"`,
      `runroot = "${join(WORK, 'run')}"`,
      '',
    ].join('\n'),
  );
  return {
    ...process.env,
    CONTAINERS_CONF: containersConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    TMPDIR: join(WORK, 'tmp'),
  };
}

function run(command, args, env, options = {}) {
  const result = spawnSync(command, args, { env, encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr || result.stdout}`,
    );
  }
  return result.stdout.trim();
}

function aptMirror() {
  const sources = readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8');
  return /^URIs:\s*(\S+\/debian)\s*$/m.exec(sources)?.[1] ?? 'http://deb.debian.org/debian';
}

function ensureBaseImage(env, log) {
  const { name } = baseImage();
  if (spawnSync('podman', ['image', 'exists', name], { env }).status === 0) {
    log(`[image] base ${name} already present`);
    return 0;
  }
  const started = Date.now();
  const rootfs = join(WORK, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  log(`[image] debootstrap bookworm (minbase) from ${aptMirror()}`);
  run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, aptMirror()], env);
  // The Node binary of development and tests, so laptop, CI and image run one runtime.
  const nodeBinary = execFileSync(join(ROOT, 'node_modules/.bin/node'), ['-p', 'process.execPath'])
    .toString()
    .trim();
  mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
  copyFileSync(nodeBinary, join(rootfs, 'usr/local/bin/node'));
  const npmVersion = run('npm', ['--version'], env);
  // Asked for as JSON: the repository's .npmrc (json=true) reaches npm through the environment.
  const [{ filename: packed }] = JSON.parse(
    run('npm', ['pack', `npm@${npmVersion}`, '--pack-destination', WORK, '--json'], env, {
      cwd: WORK,
    }),
  );
  const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
  mkdirSync(npmDir, { recursive: true });
  run('tar', ['-xzf', join(WORK, packed), '-C', npmDir, '--strip-components=1'], env);
  for (const bin of ['npm', 'npx']) {
    run('ln', ['-sf', `../lib/node_modules/npm/bin/${bin}-cli.js`, `usr/local/bin/${bin}`], env, {
      cwd: rootfs,
    });
  }
  // TLS from inside a container (npm's registry, RDS) needs the CA bundle.
  mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
  copyFileSync(
    '/etc/ssl/certs/ca-certificates.crt',
    join(rootfs, 'etc/ssl/certs/ca-certificates.crt'),
  );
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 ** 31 });
  run(
    'podman',
    [
      'import',
      '--change',
      'ENV=PATH=/usr/local/bin:/usr/bin:/bin',
      '--change',
      'ENV=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      '-',
      name,
    ],
    env,
    { input: tar.stdout },
  );
  rmSync(rootfs, { recursive: true, force: true });
  log(`[image] base ${name} imported in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return Date.now() - started;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForLive(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Builds one app's image and proves it: user, liveness, SIGTERM exit code, timings. */
export async function buildAndBoot(app, { env: appEnv = {}, log = console.log } = {}) {
  const env = engineEnvironment();
  const baseMs = ensureBaseImage(env, log);
  const image = `localhost/order-${app}:ci`;
  let started = Date.now();
  log(`[image] buildah bud --build-arg APP=${app}`);
  run(
    'buildah',
    [
      'bud',
      '--pull=never',
      '--isolation=chroot',
      '--network=host',
      '--layers',
      '--build-arg',
      `APP=${app}`,
      '-t',
      image,
      '.',
    ],
    env,
    { cwd: ROOT, maxBuffer: 2 ** 28 },
  );
  const buildMs = Date.now() - started;
  const user = run('podman', ['image', 'inspect', '--format', '{{.Config.User}}', image], env);
  const port = await freePort();
  const name = `order-${app}-${process.pid}`;
  const envArgs = Object.entries({ HOST: '127.0.0.1', PORT: String(port), ...appEnv }).flatMap(
    ([key, value]) => ['--env', `${key}=${value}`],
  );
  started = Date.now();
  run('podman', ['run', '-d', '--name', name, '--network=host', ...envArgs, image], env);
  try {
    await waitForLive(`http://127.0.0.1:${port}/health/live`, 60_000);
    const bootMs = Date.now() - started;
    const uid = run('podman', ['exec', name, 'id', '-u'], env);
    const nodeVersion = run('podman', ['exec', name, 'node', '--version'], env);
    log(`[image] ${app}: GET /health/live answered 200 (uid ${uid}, node ${nodeVersion})`);
    run('podman', ['stop', '--time', '30', name], env);
    const exitCode = Number(
      run('podman', ['inspect', '--format', '{{.State.ExitCode}}', name], env),
    );
    log(`[image] ${app}: SIGTERM -> exit ${exitCode}`);
    return { app, user, uid, nodeVersion, exitCode, baseMs, buildMs, bootMs };
  } catch (error) {
    const logs = spawnSync('podman', ['logs', name], { env, encoding: 'utf8' });
    throw new Error(`${error.message}\n--- ${app} output ---\n${logs.stdout}${logs.stderr}`);
  } finally {
    spawnSync('podman', ['rm', '-f', name], { env });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = missingTools();
  if (missing.length > 0) {
    process.stderr.write(
      `missing ${missing.join(', ')}: node tools/system-packages/ensure.mjs (as root on Debian)\n`,
    );
    process.exit(1);
  }
  const apps = process.argv.slice(2).length > 0 ? process.argv.slice(2) : APPS;
  for (const app of apps) {
    // Liveness needs a valid configuration, not reachable services.
    const result = await buildAndBoot(app, {
      env: {
        AUTH_REQUIRED: 'false',
        AWS_REGION: 'us-east-1',
        SQS_ENDPOINT: 'http://127.0.0.1:9',
        ORDERS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/orders',
        ORDERS_DLQ_URL: 'http://127.0.0.1:9/000000000000/orders-dlq',
        DATABASE_URL: 'postgres://orders:unused@127.0.0.1:9/orders',
      },
    });
    console.log(JSON.stringify(result));
  }
}
