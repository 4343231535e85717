#!/usr/bin/env node
// The one step that brings the Debian packages of the test tiers, run once at the start of
// `npm test` (and so by .ci/run). Root on Debian: installs what is missing and says what. Anywhere
// else, with something missing: stops with one line naming the exact command, never a silent skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIST = join(dirname(fileURLToPath(import.meta.url)), 'debian-packages.txt');
// Debian starts packaged servers on install; the tests start their own instances on free ports.
const SERVICES = ['postgresql', 'pgbouncer', 'prometheus', 'prometheus-alertmanager'];

export function requiredPackages(text = readFileSync(LIST, 'utf8')) {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function installed(name) {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.includes('install ok installed');
}

function run(command, args) {
  // apt's progress lines are noise here; its errors still show.
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  }
}

function main() {
  const packages = requiredPackages();
  const hasApt =
    existsSync('/etc/debian_version') &&
    spawnSync('sh', ['-c', 'command -v apt-get dpkg-query']).status === 0;
  if (!hasApt) {
    process.stderr.write(
      `npm test needs Debian packages (${packages.join(' ')}) and this is not Debian: run it on Debian 12, where as root it installs them itself (apt-get install -y --no-install-recommends ${packages.join(' ')})\n`,
    );
    process.exit(1);
  }
  const missing = packages.filter((name) => !installed(name));
  if (missing.length === 0) {
    process.stdout.write(
      `system packages: all ${packages.length} present (${relative(process.cwd(), LIST)})\n`,
    );
    return;
  }
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `npm test needs Debian packages that are missing; run first: sudo sh -c '${command}'\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`system packages: installing ${missing.join(' ')} (apt-get)\n`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  for (const service of SERVICES) {
    spawnSync('sh', [
      '-c',
      `systemctl stop ${service} 2>/dev/null || service ${service} stop 2>/dev/null || true`,
    ]);
  }
  const still = missing.filter((name) => !installed(name));
  if (still.length > 0) {
    process.stderr.write(`system packages: still missing after apt-get: ${still.join(' ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`system packages: installed ${missing.join(' ')}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main();
}
