import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '../../../..');
const START = join(REPO_ROOT, 'tools/local-stack/start.mjs');
const DEMO_FAILURES = join(REPO_ROOT, 'tools/local-stack/demo-failures.mjs');
const APP_PROCESS = join(REPO_ROOT, 'libs/testing/src/stack/app-process.cjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (condition()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const answer = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
    socket.once('timeout', () => answer(false));
  });
}

describe('local stack', () => {
  it("should serve the local SQS on 127.0.0.1 only, never on the machine's other addresses", async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startLocalSqs } = await import(${JSON.stringify(join(REPO_ROOT, 'libs/testing/src/stack/local-sqs.mjs'))});
         const sqs = await startLocalSqs();
         process.stdout.write(sqs.port + '\\n');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = await new Promise<number>((resolve) =>
        child.stdout?.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
      );
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((address) => address && !address.internal && address.family === 'IPv4')
        .map((address) => address?.address as string);

      expect(await accepts('127.0.0.1', port)).toBe(true);
      for (const address of others) {
        expect({ address, accepted: await accepts(address, port) }).toEqual({
          address,
          accepted: false,
        });
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('should stop an app when its launcher is killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
    const app = join(dir, 'app.cjs');
    writeFileSync(
      app,
      "require('node:net').createServer().listen(0);process.on('SIGTERM',()=>process.exit(0));",
    );
    const pidFile = join(dir, 'app.pid');
    const launcherScript = [
      `const { writeFileSync } = require('node:fs');`,
      `const { AppProcess } = require(${JSON.stringify(APP_PROCESS)});`,
      `const app = new AppProcess({ name: 'app', entry: ${JSON.stringify(app)}, env: process.env }).start();`,
      `writeFileSync(${JSON.stringify(pidFile)}, String(app.pid));`,
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const launcher = spawn(process.execPath, ['-e', launcherScript], { stdio: 'ignore' });
    await until(() => existsSync(pidFile), 10_000);
    const appPid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(appPid)).toBe(true);

    launcher.kill('SIGKILL');

    expect(await until(() => !alive(appPid), 10_000)).toBe(true);
  }, 30_000);

  it('should refuse to start in one line when a port of the stack is taken', async () => {
    const server = await listen();
    try {
      const result = spawnSync(process.execPath, [START], {
        env: {
          ...process.env,
          GATEWAY_PORT: String(portOf(server)),
          LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'stack-')),
          LOCAL_SQS_PORT: '1',
          LOCAL_POSTGRES_PORT: '2',
          PROCESSOR_PORT: '3',
          DLQ_SIDECAR_PORT: '4',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });

      expect(result.status).toBe(1);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${portOf(server)} (gateway, GATEWAY_PORT) already in use`);
    } finally {
      server.close();
    }
  });

  it('should refuse to start in one line while another launcher is running', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stack-'));
    // The test runner itself plays the running launcher.
    writeFileSync(join(dataDir, 'stack.pid'), `${process.pid}\n`);

    const result = spawnSync(process.execPath, [START], {
      // Ports nothing listens on, so a launcher that wrongly went ahead fails instead of starting.
      env: {
        ...process.env,
        LOCAL_DATA_DIR: dataDir,
        LOCAL_SQS_PORT: '1',
        LOCAL_POSTGRES_PORT: '2',
        GATEWAY_PORT: '3',
        PROCESSOR_PORT: '4',
        DLQ_SIDECAR_PORT: '5',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain(`npm start is already running (pid ${process.pid})`);
  });

  it('should refuse demo:failures in one line when the local stack is not running', () => {
    // A lock file naming no live launcher, as a launcher killed hard leaves it.
    const dataDir = mkdtempSync(join(tmpdir(), 'stack-'));
    writeFileSync(join(dataDir, 'stack.pid'), '2147483646\n');

    const result = spawnSync(process.execPath, [DEMO_FAILURES], {
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([key]) => !['ORDERS_QUEUE_URL', 'SQS_ENDPOINT'].includes(key),
          ),
        ),
        LOCAL_DATA_DIR: dataDir,
        LOCAL_SQS_PORT: '1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'demo:failures: the local stack is not running: start it with `npm start` in another terminal first',
    ]);
  });
});
