import type { QueuePair, RunningStack } from '@orders/testing';
import { globalSetupServices, loadStackHarness, testStack } from '@orders/testing';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
const CLI = join(REPO_ROOT, 'dist/apps/dlq-sidecar/cli.js');

/** What every app and the CLI need to find the queue pair and the database of this test file. */
export function baseEnv(queues: QueuePair): Record<string, string> {
  const stack = testStack();
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    AWS_REGION: stack.region,
    SQS_ENDPOINT: stack.sqsEndpoint,
    ORDERS_QUEUE_URL: queues.queueUrl,
    ORDERS_DLQ_URL: queues.dlqUrl,
    DATABASE_URL: stack.databaseUrl,
    LOG_LEVEL: 'warn',
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    NODE_NO_WARNINGS: '1',
  };
}

export interface StackProcess {
  urls: Record<string, string>;
  /** Stops one app (SIGTERM, graceful), e.g. the leading sidecar. */
  stopApp(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface SidecarSpec {
  name: string;
  env: Record<string, string>;
}

/**
 * The processor, and DLQ sidecars when asked, from their build output through libs/testing's
 * startStack, on this file's queue pair (migrations run first). One stack per sidecar, since a
 * stack runs each app once.
 */
export async function startProcessor(
  queues: QueuePair,
  sidecars: SidecarSpec[] = [],
): Promise<StackProcess> {
  const { startStack } = await loadStackHarness();
  const services = globalSetupServices(queues);
  const stacks: RunningStack[] = [];
  const urls: Record<string, string> = {};
  const apps = new Map<string, { stop(): Promise<unknown> }>();
  const stop = async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  };
  try {
    const processor = await startStack({
      ...services,
      apps: ['processor'],
      appEnv: { processor: { SQS_WAIT_TIME_SECONDS: '1', POLLERS: '2' } },
    });
    stacks.push(processor);
    urls.processor = processor.urls.processor;
    apps.set('processor', processor.apps.processor);
    // Concurrently, as replicas start: their migration runs are serialised by an advisory lock.
    await Promise.all(
      sidecars.map(async (sidecar) => {
        const stack = await startStack({
          ...services,
          apps: ['dlq-sidecar'],
          appEnv: { 'dlq-sidecar': sidecar.env },
        });
        stacks.push(stack);
        urls[sidecar.name] = stack.urls['dlq-sidecar'];
        apps.set(sidecar.name, stack.apps['dlq-sidecar']);
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    urls,
    stop,
    async stopApp(name) {
      await apps.get(name)?.stop();
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from its build output, as an operator runs it. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): {
  done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
  stderrLines: string[];
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const stderrLines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    stderrLines.push(...chunk.toString().split('\n').filter(Boolean));
  });
  const done = new Promise<CliResult>((resolvePromise) =>
    child.on('close', (code) => resolvePromise({ code, stdout, stderr })),
  );
  return { done, kill: (signal) => child.kill(signal), stderrLines };
}

export { queueDepth } from '@orders/testing';
