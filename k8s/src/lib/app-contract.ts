import {
  ConfigError,
  DatabaseConfig,
  DlqSidecarConfig,
  GatewayConfig,
  loadConfig,
  ProcessorConfig,
} from '@orders/config';
import { getMetadataStorage } from 'class-validator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppName } from './images';
import { WORKSPACE_ROOT } from './manifests';
import { SQS_COMMANDS, sqsActionsReachable } from './sqs-calls';

export { appOf, IMAGE_REPOSITORY, imageRepository } from './images';
export type { AppName } from './images';

/** What the deployed apps are, read from their code: config classes, HTTP routes, metric names. */
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

// Routes the dlq-sidecar must serve (its issue); used only until apps/dlq-sidecar/src/main.ts exists.
const DECLARED_ROUTES: Partial<Record<AppName, string[]>> = {
  'dlq-sidecar': ['/health/live', '/health/ready', '/metrics'],
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

function sourceFiles(directory: string): string[] {
  if (!existsSync(directory)) {
    return [];
  }
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name.endsWith('.ts') &&
        !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name),
    )
    .map((entry) => path.join(entry.parentPath, entry.name));
}

export interface Route {
  method: string;
  path: string;
}

const METHOD_DECORATORS = ['Get', 'Post', 'Put', 'Patch', 'Delete'];

/** Routes declared by @Controller and the method decorators in the given files. */
function controllerRoutes(files: string[]): Route[] {
  const routes: Route[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const controller = /@Controller\(\s*(?:'([^']*)')?\s*\)/.exec(text);
    if (!controller) {
      continue;
    }
    const prefix = controller[1] ?? '';
    for (const handler of text.matchAll(
      new RegExp(`@(${METHOD_DECORATORS.join('|')})\\(\\s*(?:'([^']*)')?\\s*\\)`, 'g'),
    )) {
      routes.push({
        method: handler[1].toUpperCase(),
        path: `/${[prefix, handler[2] ?? ''].filter((part) => part.length > 0).join('/')}`,
      });
    }
  }
  return routes;
}

export interface AppRoutes {
  routes: Route[];
  // 'code' when read from the app's source, 'declared' while the app has no main.ts in this tree.
  source: 'code' | 'declared';
}

/**
 * Routes an app serves: its own controllers, plus the controllers of shared Nest modules it
 * imports (e.g. MetricsModule's GET /metrics).
 */
const routesCache = new Map<AppName, AppRoutes>();

export function appRoutes(app: AppName): AppRoutes {
  let routes = routesCache.get(app);
  if (!routes) {
    routes = readAppRoutes(app);
    routesCache.set(app, routes);
  }
  return routes;
}

function readAppRoutes(app: AppName): AppRoutes {
  if (app === 'migrate' || app === 'dlq-cli') {
    // One-shot processes: no HTTP server.
    return { routes: [], source: 'code' };
  }
  const appDirectory = path.join(WORKSPACE_ROOT, 'apps', app, 'src');
  const appFiles = sourceFiles(appDirectory);
  // No main.ts yet: the app is still being written; fall back to the routes its issue declares.
  if (!existsSync(path.join(appDirectory, 'main.ts'))) {
    return {
      routes: (DECLARED_ROUTES[app] ?? []).map((routePath) => ({
        method: 'GET',
        path: routePath,
      })),
      source: 'declared',
    };
  }
  const appText = appFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
  const routes = controllerRoutes(appFiles);
  // The OpenAPI UI is mounted by SwaggerModule.setup(), not by a controller.
  for (const docs of appText.matchAll(/SwaggerModule\.setup\(\s*'([^']+)'/g)) {
    routes.push({ method: 'GET', path: `/${docs[1]}` });
  }
  for (const file of sourceFiles(path.join(WORKSPACE_ROOT, 'libs'))) {
    const text = readFileSync(file, 'utf8');
    const module = /controllers:\s*\[([^\]]*)\][\s\S]*?export class (\w+)/.exec(text);
    if (!module || !new RegExp(`\\b${module[2]}\\b`).test(appText)) {
      continue;
    }
    const controllers = module[1].split(',').map((name) => name.trim());
    const controllerFiles = sourceFiles(path.dirname(file)).filter((candidate) =>
      controllers.some((name) =>
        new RegExp(`export class ${name}\\b`).test(readFileSync(candidate, 'utf8')),
      ),
    );
    routes.push(...controllerRoutes(controllerFiles));
  }
  const unique = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
  return {
    routes: [...unique.values()].sort((a, b) => a.path.localeCompare(b.path)),
    source: 'code',
  };
}

/** Whether GET <path> is served (used for probes and scrapes: exact paths, no parameters). */
export function servesGet(app: AppName, requestPath: string): boolean {
  return appRoutes(app).routes.some(
    (route) => route.method === 'GET' && route.path === requestPath,
  );
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

const DLQ_SIDECAR_SOURCE = path.join(WORKSPACE_ROOT, 'apps', 'dlq-sidecar', 'src');

/** Whether the sidecar mounts its admin API (redrive, purge) only when ADMIN_API_KEY_SHA256 is set. */
export function adminApiNeedsKey(): boolean {
  const appModule = path.join(DLQ_SIDECAR_SOURCE, 'app.module.ts');
  return (
    existsSync(appModule) &&
    /ADMIN_API_KEY_SHA256\s*\?\s*\[\s*AdminModule\s*\]\s*:\s*\[\s*\]/.test(
      readFileSync(appModule, 'utf8'),
    )
  );
}

/**
 * The SQS IAM actions one container's process can call. The dlq-sidecar image runs two processes
 * from one source: the sidecar (main.ts; the admin API only with its key) and the operator CLI
 * (cli.ts), so for them the calls are followed from their entry file (./sqs-calls.ts).
 */
export function sqsActionsOf(
  app: AppName,
  { adminApi = false }: { adminApi?: boolean } = {},
): Set<string> {
  switch (app) {
    case 'gateway':
    case 'processor':
      return sqsActionsUsedBy(app);
    case 'dlq-sidecar': {
      const withoutAdmin = !adminApi && adminApiNeedsKey();
      return sqsActionsReachable({
        sourceRoot: DLQ_SIDECAR_SOURCE,
        entry: 'main.ts',
        skip: (file) => withoutAdmin && file.startsWith(path.join('doors', 'admin') + path.sep),
      });
    }
    case 'dlq-cli':
      return sqsActionsReachable({
        sourceRoot: DLQ_SIDECAR_SOURCE,
        entry: 'cli.ts',
      });
    case 'migrate':
      return new Set();
  }
}

/**
 * The SQS IAM actions an app's code needs: AWS SDK commands it sends (a Batch variant is authorized
 * by its single action), the sqs-consumer loop (receive, delete, change visibility), producers
 * (send) and the shared readiness probe (get attributes). Every file of the app counts.
 */
export function sqsActionsUsedBy(app: AppName): Set<string> {
  const actions = new Set<string>();
  const files = sourceFiles(path.join(WORKSPACE_ROOT, 'apps', app, 'src')).filter(
    (file) => !file.includes(`${path.sep}testing${path.sep}`),
  );
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const command of text.matchAll(/new (\w+?)(?:Batch)?Command\(/g)) {
      if (SQS_COMMANDS.includes(command[1])) {
        actions.add(`sqs:${command[1]}`);
      }
    }
    // sqs-consumer directly, or through @ssut/nestjs-sqs (@SqsMessageHandler, consumers: in SqsModule).
    if (
      /from 'sqs-consumer'/.test(text) ||
      /@SqsMessageHandler\(/.test(text) ||
      /\bconsumers:/.test(text)
    ) {
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'].forEach((action) =>
        actions.add(action),
      );
    }
    if (/from 'sqs-producer'/.test(text) || /\bproducers:\s*\[/.test(text)) {
      actions.add('sqs:SendMessage');
    }
    if (/\bprobeQueue\(/.test(text)) {
      actions.add('sqs:GetQueueAttributes');
    }
  }
  return actions;
}

let metricNamesCache: Set<string> | undefined;

/** Prometheus series names the apps and shared libs register with prom-client. */
export function appMetricNames(): Set<string> {
  if (metricNamesCache) {
    return metricNamesCache;
  }
  const names = new Set<string>();
  metricNamesCache = names;
  const files = [
    ...sourceFiles(path.join(WORKSPACE_ROOT, 'apps')),
    ...sourceFiles(path.join(WORKSPACE_ROOT, 'libs')),
  ];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\s*\{[\s\S]{0,200}?name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g,
    )) {
      const [, type, name] = match;
      names.add(name);
      if (type === 'Histogram') {
        ['_bucket', '_sum', '_count'].forEach((suffix) => names.add(name + suffix));
      }
      if (type === 'Summary') {
        ['_sum', '_count'].forEach((suffix) => names.add(name + suffix));
      }
    }
  }
  return names;
}
