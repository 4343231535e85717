import {
  ConfigError,
  DatabaseConfig,
  DlqSidecarConfig,
  GatewayConfig,
  loadConfig,
  LOCAL_STACK_ENV,
  ProcessorConfig,
} from '@orders/config';
import { getMetadataStorage } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppSurface, AppSurfaces, discoverApp, SERVER_APPS, ServerApp } from './app-surface';
import { AppName } from './images';
import { WORKSPACE_ROOT } from './manifests';
import { sqsActionsReachable } from './sqs-calls';

export { appOf, IMAGE_REPOSITORY, imageRepository } from './images';
export type { AppName } from './images';

/** What the deployed apps are, read from their code: config classes, Nest containers, SQS calls. */
type ConfigClass = new () => object;

export const CONFIG_CLASSES: Record<AppName, ConfigClass> = {
  gateway: GatewayConfig,
  processor: ProcessorConfig,
  'dlq-sidecar': DlqSidecarConfig,
  // cli.js (dlq-sidecar image) loads the sidecar's config.
  'dlq-cli': DlqSidecarConfig,
  // migrate.js (processor image) loads DatabaseConfig only.
  migrate: DatabaseConfig,
};

function isOptional(configClass: ConfigClass, property: string): boolean {
  return getMetadataStorage()
    .getTargetValidationMetadatas(configClass, '', true, false)
    .some(
      (metadata) => metadata.propertyName === property && metadata.type === 'conditionalValidation',
    );
}

/** Every key the config class reads (decorated or defaulted). */
export function knownConfigKeys(app: AppName): Set<string> {
  const configClass = CONFIG_CLASSES[app];
  const decorated = getMetadataStorage()
    .getTargetValidationMetadatas(configClass, '', true, false)
    .map((metadata) => metadata.propertyName);
  return new Set([...decorated, ...Object.keys(new configClass())]);
}

/** Keys without @IsOptional and without a default: the app refuses to start without them. */
export function requiredConfigKeys(app: AppName): string[] {
  const configClass = CONFIG_CLASSES[app];
  const defaults = new configClass() as Record<string, unknown>;
  return [...knownConfigKeys(app)]
    .filter((key) => defaults[key] === undefined && !isOptional(configClass, key))
    .sort();
}

export function configDefault(app: AppName, key: string): unknown {
  return (new CONFIG_CLASSES[app]() as Record<string, unknown>)[key];
}

/** Runs the app's own start-up validation on an environment; returns its complaints. */
export function configProblems(app: AppName, env: Record<string, string>): string[] {
  try {
    loadConfig(CONFIG_CLASSES[app], env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
}

/** The validated config as the app would see it (defaults applied). Throws on invalid config. */
export function effectiveConfig(
  app: AppName,
  env: Record<string, string>,
): Record<string, unknown> {
  return loadConfig(CONFIG_CLASSES[app], env) as Record<string, unknown>;
}

/**
 * How long the app gives itself to shut down after SIGTERM before it exits anyway: the deadline each
 * main.ts passes to exitGracefullyOnSignals (apps/<app>/src/main.ts), from its validated config.
 */
export function shutdownDeadlineMs(
  app: AppName,
  config: Record<string, unknown>,
): number | undefined {
  if (app === 'dlq-cli' || app === 'migrate') {
    return undefined;
  }
  // The config classes own the formula (apps/<app>/src/main.ts passes the same value).
  const deadline = (config as { shutdownDeadlineMs?: () => number }).shutdownDeadlineMs;
  return typeof deadline === 'function' ? deadline.call(config) : undefined;
}

/**
 * Scripts an app's image carries next to main.js: the webpack entry names of
 * apps/<app>/webpack.config.js (e.g. the dlq-sidecar's cli.js).
 */
export function imageScripts(app: AppName): string[] {
  const config = path.join(WORKSPACE_ROOT, 'apps', app, 'webpack.config.js');
  if (!existsSync(config)) {
    return [];
  }
  const text = readFileSync(config, 'utf8');
  return [
    ...(/\bmain:\s*'/.test(text) ? ['main.js'] : []),
    ...[...text.matchAll(/entryName:\s*'([\w.-]+)'/g)].map((entry) => `${entry[1]}.js`),
  ];
}

// Apps that call AWS and therefore need a role on their ServiceAccount.
export const AWS_APPS: AppName[] = ['gateway', 'processor', 'dlq-sidecar', 'dlq-cli'];

export function parseQueueUrl(
  url: string | undefined,
): { region: string; account: string; name: string } | undefined {
  const match = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([A-Za-z0-9_-]+)$/.exec(
    url ?? '',
  );
  return match ? { region: match[1], account: match[2], name: match[3] } : undefined;
}

/** Database connections one process opens, as its config class declares them. */
export function databaseConnections(config: Record<string, unknown>): number {
  return (config as unknown as DatabaseConfig).databaseConnections();
}

// A config every app starts with: the local stack's addresses and the defaults. The admin API
// variant is the sidecar with ADMIN_API_KEY_SHA256 set.
const DISCOVERY_ENV = { ...LOCAL_STACK_ENV, AUTH_REQUIRED: 'false' };
const ADMIN_API_ENV = { ...DISCOVERY_ENV, ADMIN_API_KEY_SHA256: '0'.repeat(64) };

let surfaces: Promise<AppSurfaces & { adminApi: AppSurface }> | undefined;

/** Each app's Nest container, built once per process: routes, metric series, managed classes. */
export function appSurfaces(): Promise<AppSurfaces & { adminApi: AppSurface }> {
  surfaces ??= (async () => {
    const found = {} as AppSurfaces;
    for (const app of SERVER_APPS) {
      found[app] = await discoverApp(app, CONFIG_CLASSES[app], DISCOVERY_ENV);
    }
    const adminApi = await discoverApp('dlq-sidecar', DlqSidecarConfig, ADMIN_API_ENV);
    return { ...found, adminApi };
  })();
  return surfaces;
}

const ENTRY_FILES: Record<Exclude<AppName, 'migrate'>, string> = {
  gateway: 'apps/gateway/src/main.ts',
  processor: 'apps/processor/src/main.ts',
  'dlq-sidecar': 'apps/dlq-sidecar/src/main.ts',
  // The dlq-sidecar image also carries the operator CLI.
  'dlq-cli': 'apps/dlq-sidecar/src/cli.ts',
};

/**
 * The SQS IAM actions one container's process can call, followed from its entry file through the
 * classes its Nest container manages (./sqs-calls.ts). The sidecar enters its admin API's code
 * only when ADMIN_API_KEY_SHA256 mounts it.
 */
export async function sqsActionsOf(
  app: AppName,
  { adminApi = false }: { adminApi?: boolean } = {},
): Promise<Set<string>> {
  if (app === 'migrate') {
    return new Set();
  }
  const found = await appSurfaces();
  const managed =
    app === 'dlq-cli'
      ? undefined
      : (app === 'dlq-sidecar' && adminApi ? found.adminApi : found[app as ServerApp]).classNames;
  return sqsActionsReachable({
    entry: path.join(WORKSPACE_ROOT, ENTRY_FILES[app]),
    managedClasses: managed,
  });
}
