/** Typed view of libs/testing/src/stack/*.mjs, which chaos.environment.mjs hands to the tests. */

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): AppProcess;
  /** Sends a signal and resolves with the exit (never for SIGSTOP: use process.kill for that). */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<ProcessExit>;
}

export interface LocalSqs {
  endpoint: string;
  region: string;
  port: number;
  ordersQueueUrl: string;
  ordersDlqUrl: string;
  stop(): Promise<void>;
}

export interface LocalPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export interface RunningStack {
  env: Record<string, string>;
  urls: Record<string, string>;
  ports: Record<string, number>;
  apps: Record<string, AppProcess>;
  ready(timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ChaosHarness {
  REPO_ROOT: string;
  APPS: Record<string, { entry: string }>;
  startStack(options: {
    apps?: string[];
    sqs?: LocalSqs;
    postgres?: LocalPostgres;
    env?: Record<string, string>;
    appEnv?: Record<string, Record<string, string>>;
    waitReady?: boolean;
    log?: (name: string, line: string) => void;
  }): Promise<RunningStack>;
  AppProcess: new (options: {
    name: string;
    entry: string;
    env: Record<string, string>;
    log?: (name: string, line: string) => void;
  }) => AppProcess;
  waitForHttp(url: string, timeoutMs?: number): Promise<void>;
  startLocalPostgres(options: {
    dataDir: string;
    fresh?: boolean;
    durable?: boolean;
  }): Promise<LocalPostgres>;
  startLocalSqs(options?: {
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
  }): Promise<LocalSqs>;
  freePort(): Promise<number>;
}

export function harness(): ChaosHarness {
  const loaded = (globalThis as { __chaosHarness?: ChaosHarness }).__chaosHarness;
  if (!loaded) {
    throw new Error(
      'The chaos harness is missing: run these specs through tests/chaos/jest.config.cjs (its test environment loads it)',
    );
  }
  return loaded;
}
