'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { createInterface } = require('node:readline');

const DIE_WITH_PARENT = join(__dirname, 'die-with-parent.cjs');

// V8's heap as a share of the memory the process may use: the container's limit (cgroup) where
// there is one, else the machine's. The image sets the same flag (Dockerfile, NODE_OPTIONS); the
// spike tier checks that both agree.
const HEAP_FLAG = '--max-old-space-size-percentage=50';

const MAX_BACKOFF_MS = 30_000;
const HEALTHY_AFTER_MS = 30_000;

/**
 * One app run as `node dist/apps/<app>/main.js` — node is the process that gets the signals, as in
 * the container. With `restart: true` it is restarted after a growing pause when it dies, the way
 * Kubernetes would; chaos tests use `kill()` to crash it and `start()` to bring it back.
 */
class AppProcess {
  constructor({ name, entry, env, log = () => undefined, restart = false, cgroup }) {
    // cgroup: a directory whose cgroup.procs the app joins before node starts, so V8 sizes its
    // heap from that group's memory limit as it would from a container's.
    Object.assign(this, { name, entry, env, log, restart, cgroup });
    this.child = undefined;
    this.stopping = false;
    this.backoffMs = 1000;
    this.restarts = 0;
    this.exits = [];
    // The last lines it wrote: why it exited, for a "not ready" error.
    this.lastLines = [];
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== undefined;
  }

  start() {
    this.stopping = false;
    const startedAt = Date.now();
    // Own process group: a terminal's Ctrl-C reaches only the launcher, which then stops the apps
    // in order with one SIGTERM each (a second signal would make them skip their drain).
    // The IPC channel ties the app's life to this process (die-with-parent.cjs).
    const nodeArgs = [HEAP_FLAG, '--require', DIE_WITH_PARENT, this.entry];
    // exec keeps one process: node itself has the pid and receives the signals.
    const [command, args] = this.cgroup
      ? [
          '/bin/sh',
          [
            '-c',
            'echo $$ > "$0/cgroup.procs" && exec "$@"',
            this.cgroup,
            process.execPath,
            ...nodeArgs,
          ],
        ]
      : [process.execPath, nodeArgs];
    const child = spawn(command, args, {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    child.channel?.unref();
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lastLines = [...this.lastLines.slice(-4), line.slice(0, 300)];
        this.log(this.name, line);
      });
    }
    child.on('exit', (code, signal) => {
      this.exits.push({ code, signal });
      if (this.child === child) {
        this.child = undefined;
      }
      if (this.stopping || !this.restart) {
        return;
      }
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) {
        this.backoffMs = 1000;
      }
      this.restarts += 1;
      this.log(
        'stack',
        `${this.name} exited (${signal ?? `code ${code}`}); restarting in ${this.backoffMs} ms`,
      );
      this.timer = setTimeout(() => this.start(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
    return this;
  }

  /** Sends a signal without stopping supervision (SIGKILL = crash). Resolves with the exit. */
  kill(signal = 'SIGKILL') {
    const child = this.child;
    if (!child) {
      return Promise.resolve({ code: null, signal: null });
    }
    return new Promise((resolve) => {
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
      child.kill(signal);
    });
  }

  /** SIGTERM (graceful), then SIGKILL if still alive after the grace period. Resolves with the exit. */
  stop(graceMs = 30_000) {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) {
      return Promise.resolve({ code: null, signal: null });
    }
    return new Promise((resolve) => {
      const hardKill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', (code, signal) => {
        clearTimeout(hardKill);
        resolve({ code, signal });
      });
      child.kill('SIGTERM');
    });
  }
}

/** Runs a one-shot command (migrations) and resolves when it exits 0. */
function runOnce({ name, entry, env, log = () => undefined }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => log(name, line));
    }
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${name} exited with code ${code}`)),
    );
  });
}

/** Resolves once GET url answers 200, or rejects after timeoutMs. */
async function waitForHttp(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) {
        return;
      }
      lastError = new Error(`${url} answered ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${lastError?.message}`);
}

module.exports = { AppProcess, HEAP_FLAG, runOnce, waitForHttp };
