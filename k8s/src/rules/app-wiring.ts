import { isDeepStrictEqual } from 'node:util';
import {
  configDefault,
  configProblems,
  imageScripts,
  knownConfigKeys,
  parseQueueUrl,
  requiredConfigKeys,
  shutdownDeadlineMs,
} from '../lib/app-contract';
import { Container, containerApp, containerPort, isOneOff } from '../lib/workloads';
import { Rule } from './rule';

// Variables read by Node or the AWS SDK rather than by the config classes.
const RUNTIME_VARIABLES = /^(NODE_OPTIONS|NODE_EXTRA_CA_CERTS|TZ)$/;

export const probes: Rule = {
  name: 'probes',
  check(context, report) {
    for (const workload of context.workloads) {
      if (isOneOff(workload)) {
        continue;
      }
      for (const container of workload.longRunning) {
        const app = containerApp(container);
        if (!app) {
          continue;
        }
        const config = context.config(container, workload);
        // Where the app listens: its validated config, or (when that fails, reported by "config") PORT as set or defaulted.
        const port = Number(
          config?.PORT ??
            context.env(container, workload).values.PORT ??
            configDefault(app, 'PORT'),
        );
        for (const kind of ['readinessProbe', 'livenessProbe'] as const) {
          if (!container[kind]?.httpGet) {
            report(
              workload.object,
              `${container.name}: ${kind} must be an httpGet on the app's /health endpoints`,
            );
          }
        }
        for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
          const httpGet = container[kind]?.httpGet;
          if (!httpGet) {
            continue;
          }
          if (!context.servesGet(app, httpGet.path)) {
            report(
              workload.object,
              `${container.name}: ${kind} GET ${httpGet.path} is not served by ${app} (its Nest routes: ${context
                .routes(app)
                .map((route) => `${route.method} ${route.path}`)
                .join(', ')})`,
            );
          }
          const target = containerPort(workload, httpGet.port, container);
          if (
            target === undefined ||
            !(container.ports ?? []).some((declared) => declared.containerPort === target)
          ) {
            report(
              workload.object,
              `${container.name}: ${kind} port "${httpGet.port}" is not a declared port of this container`,
            );
          } else if (target !== port) {
            report(
              workload.object,
              `${container.name}: ${kind} targets port ${target} but ${app} listens on PORT=${port}`,
            );
          }
        }
        // Readiness runs the SQS and database checks; the probe must outlast their own timeouts.
        const readinessTimeoutMs = (container.readinessProbe?.timeoutSeconds ?? 1) * 1000;
        const dependencyTimeoutMs = Math.max(
          Number(config?.SQS_REQUEST_TIMEOUT_MS ?? 0),
          Number(config?.DB_CONNECT_TIMEOUT_MS ?? 0),
        );
        if (config && readinessTimeoutMs <= dependencyTimeoutMs) {
          report(
            workload.object,
            `${container.name}: readinessProbe.timeoutSeconds ${readinessTimeoutMs / 1000}s must exceed the app's dependency timeouts (${dependencyTimeoutMs} ms)`,
          );
        }
      }
    }
  },
};

export const gracePeriod: Rule = {
  name: 'grace-period',
  check(context, report) {
    for (const workload of context.workloads) {
      if (isOneOff(workload)) {
        continue;
      }
      const grace: number = workload.podSpec.terminationGracePeriodSeconds ?? 30;
      // Kubernetes stops the main containers first and native sidecars after them, all within one
      // grace period: the shutdown deadlines of both add up.
      let deadlines = 0;
      const parts: string[] = [];
      for (const container of workload.longRunning) {
        const app = containerApp(container);
        const config = context.config(container, workload);
        const deadline = app && config ? shutdownDeadlineMs(app, config) : undefined;
        if (deadline !== undefined) {
          deadlines += deadline;
          parts.push(`${container.name} ${deadline / 1000}s`);
        }
        if (app === 'processor' && config) {
          const needed =
            Number(config.VISIBILITY_TIMEOUT_SECONDS) + Number(config.DRAIN_BUDGET_MS) / 1000;
          if (grace < needed) {
            report(
              workload.object,
              `terminationGracePeriodSeconds ${grace} < VISIBILITY_TIMEOUT_SECONDS + DRAIN_BUDGET_MS = ${needed}s: SIGKILL would cut the drain`,
            );
          }
        }
      }
      if (grace * 1000 < deadlines) {
        report(
          workload.object,
          `terminationGracePeriodSeconds ${grace} < the containers' own shutdown deadlines (${parts.join(' + ')})`,
        );
      }
    }
  },
};

export const config: Rule = {
  name: 'config',
  check(context, report) {
    for (const workload of context.workloads) {
      for (const container of workload.all) {
        const app = containerApp(container);
        if (!app) {
          continue;
        }
        const resolved = context.env(container, workload);
        resolved.problems.forEach((problem) =>
          report(workload.object, `${container.name}: ${problem}`),
        );
        const known = knownConfigKeys(app);
        for (const name of resolved.names) {
          if (!known.has(name) && !RUNTIME_VARIABLES.test(name)) {
            report(
              workload.object,
              `${container.name}: ${name} is not read by ${app}'s config class (typo?)`,
            );
          }
        }
        for (const key of requiredConfigKeys(app)) {
          const optionalSecret = resolved.secrets.find(
            (secret) => secret.variable === key && secret.optional,
          );
          if (!resolved.names.has(key) || optionalSecret) {
            report(workload.object, `${container.name}: ${key} is required by ${app} and not set`);
          }
        }
        if (resolved.names.has('SQS_ENDPOINT')) {
          report(
            workload.object,
            `${container.name}: SQS_ENDPOINT is for emulators; it must be unset in AWS`,
          );
        }
        for (const problem of configProblems(app, resolved.values)) {
          report(workload.object, `${container.name}: the app would refuse to start: ${problem}`);
        }
        for (const key of ['ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL']) {
          if (!resolved.names.has(key)) {
            continue;
          }
          const queue = parseQueueUrl(resolved.values[key]);
          if (!queue) {
            report(
              workload.object,
              `${container.name}: ${key} "${resolved.values[key]}" is not an SQS URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
            );
          } else if (queue.region !== resolved.values.AWS_REGION) {
            report(
              workload.object,
              `${container.name}: ${key} is in ${queue.region}, AWS_REGION is ${resolved.values.AWS_REGION}`,
            );
          }
        }
      }
    }
  },
};

// Alerts tell the operator to run INSPECT_HINT (plus --reason/--order): it must be the command that
// works in this cluster, into this Deployment's sidecar, with the CLI the image carries.
export const inspectHint: Rule = {
  name: 'inspect-hint',
  check(context, report) {
    for (const workload of context.workloads) {
      for (const container of workload.longRunning) {
        if (containerApp(container) !== 'dlq-sidecar') {
          continue;
        }
        const { kind, metadata } = workload.object;
        const resource = kind === 'Deployment' ? 'deploy' : kind.toLowerCase();
        const expected = `kubectl -n ${metadata.namespace} exec ${resource}/${metadata.name} -c ${container.name} -- node cli.js list`;
        const hint = String(
          context.env(container, workload).values.INSPECT_HINT ??
            configDefault('dlq-sidecar', 'INSPECT_HINT'),
        );
        if (hint !== expected) {
          report(
            workload.object,
            `${container.name}: INSPECT_HINT is "${hint}"; operators in this cluster run "${expected}"`,
          );
        }
        if (!imageScripts('dlq-sidecar').includes('cli.js')) {
          report(
            workload.object,
            `${container.name}: the dlq-sidecar image no longer builds cli.js (apps/dlq-sidecar/webpack.config.js), which INSPECT_HINT runs`,
          );
        }
      }
    }
  },
};

export const migration: Rule = {
  name: 'migration',
  check(context, report) {
    const jobs = context.ofKind('Job', context.input.migrate);
    const migrateJobs = context.workloads.filter((workload) =>
      workload.all.some((container) => containerApp(container) === 'migrate'),
    );
    if (jobs.length !== 1 || migrateJobs.length !== 1 || migrateJobs[0].object !== jobs[0]) {
      report(
        context.input.name,
        `the migrate overlay must hold exactly one Job running migrate.js (found ${jobs.length} Job(s); ${migrateJobs.length} workload(s) run migrate.js)`,
      );
      return;
    }
    const job = migrateJobs[0];
    const migrateImage = job.all.find((container) => containerApp(container) === 'migrate')?.image;
    const processorImages = context
      .containersOfApp('processor')
      .map(({ container }) => container.image);
    if (processorImages.length === 0 || processorImages.some((image) => image !== migrateImage)) {
      report(
        job.object,
        `migrates with ${migrateImage} but the processor runs ${processorImages.join(', ')}: schema and code must come from one image`,
      );
    }
    const appNamespaces = context.ofKind('Namespace', context.input.app);
    const migrateNamespaces = context.ofKind('Namespace', context.input.migrate);
    if (
      appNamespaces.length !== 1 ||
      migrateNamespaces.length !== 1 ||
      !isDeepStrictEqual(appNamespaces[0], migrateNamespaces[0])
    ) {
      report(
        context.input.name,
        'overlays/<env>/namespace.yaml and overlays/<env>/migrate/namespace.yaml must declare the same Namespace (the migration may run first)',
      );
    }
  },
};

export const nativeSidecar: Rule = {
  name: 'native-sidecar',
  check(context, report) {
    for (const workload of context.workloads) {
      if (workload.longRunning.some((container) => containerApp(container) === 'processor')) {
        const sidecar = (workload.podSpec.initContainers ?? []).find(
          (container: Container) => containerApp(container) === 'dlq-sidecar',
        );
        if (!sidecar || sidecar.restartPolicy !== 'Always') {
          report(
            workload.object,
            'the dlq-sidecar must run as a native sidecar: an initContainer with restartPolicy: Always',
          );
        }
      }
    }
  },
};
