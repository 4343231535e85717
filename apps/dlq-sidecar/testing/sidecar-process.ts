import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/** The sidecar from its build output, as a process a spec can kill -9. */
export function spawnSidecar(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/dlq-sidecar/main.js')], {
    env: { ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** SIGKILL: no shutdown hook runs, as when a node dies. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
