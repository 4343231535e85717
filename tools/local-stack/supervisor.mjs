import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const MAX_BACKOFF_MS = 30_000;
const HEALTHY_AFTER_MS = 30_000;

/**
 * Runs one app as `node <entry>` (node is the process that gets signals, as in the container) and
 * restarts it after a growing pause if it dies, the way Kubernetes would.
 */
export class Supervised {
  constructor(name, entry, env, log) {
    Object.assign(this, { name, entry, env, log, child: undefined, stopping: false, backoffMs: 1000, restarts: 0 });
  }

  start() {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [this.entry], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.log(this.name, line));
    }
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) {
        return;
      }
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) {
        this.backoffMs = 1000;
      }
      this.restarts += 1;
      this.log('stack', `${this.name} exited (${signal ?? `code ${code}`}); restarting in ${this.backoffMs} ms`);
      this.timer = setTimeout(() => this.start(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  /** SIGTERM, then SIGKILL if the app has not exited within the grace period. */
  stop(graceMs = 30_000) {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** Runs a one-shot command (migrations) and resolves when it succeeds. */
export function runOnce(name, entry, env, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => log(name, line));
    }
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with code ${code}`))));
  });
}
