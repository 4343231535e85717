import { IMAGE_REPOSITORY, imageRepository } from '../lib/app-contract';
import { walkStrings } from '../lib/manifests';
import { validateObject } from '../lib/schema';
import {
  containerApp,
  isOneOff,
  jobSpec,
  Json,
  parseQuantity,
  replicaBounds,
  selectorMatches,
} from '../lib/workloads';
import { Rule } from './rule';

const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_TEXT = 'filled-by-keda-wiring';

// Measured (docs/dlq-sidecar.md, "Inspect and redrive in a cluster"): the sidecar idles at about
// 126 MiB RSS and one CLI process (`node cli.js`) takes about 110 MiB. An operator's
// `kubectl exec ... -c dlq-sidecar -- node cli.js` runs inside the sidecar container's limit.
const DLQ_SIDECAR_IDLE_MIB = 126;
const DLQ_CLI_MIB = 110;
// Room above the measured figures: larger scans and heap growth before the garbage collector runs.
const MEMORY_HEADROOM = 1.25;

// Commands of the DLQ CLI that change nothing (purge without --confirm only lists).
function changesNothing(args: string[]): boolean {
  const [command] = args;
  return (
    ['list', 'show', 'audit', 'help'].includes(command) ||
    (command === 'redrive' && args.includes('--dry-run')) ||
    (command === 'purge' && !args.includes('--confirm'))
  );
}

export const schema: Rule = {
  name: 'schema',
  check(context, report) {
    for (const object of context.objects) {
      validateObject(object).forEach((problem) => report(object, problem.message));
    }
  },
};

export const placeholders: Rule = {
  name: 'placeholders',
  check(context, report) {
    for (const object of context.objects) {
      walkStrings(object, (text, path) => {
        if (text.includes(PLACEHOLDER_ACCOUNT) || text.includes(PLACEHOLDER_TEXT)) {
          report(
            object,
            `${path} still holds a base placeholder ("${text}"): set the environment's value in the overlay`,
          );
        }
      });
    }
    for (const object of context.ofKind('Secret')) {
      report(
        object,
        'Secrets are not kept in git: use components/external-secret or kubectl create secret (k8s/README.md)',
      );
    }
  },
};

export const imageTag: Rule = {
  name: 'image-tag',
  check(context, report) {
    for (const workload of context.workloads) {
      for (const container of workload.all) {
        const image = container.image ?? '';
        const repository = imageRepository(image);
        const tag = image.includes('@')
          ? undefined
          : image.slice(repository.length + 1) || undefined;
        if (!image.includes('@') && (!tag || tag === 'latest')) {
          report(
            workload.object,
            `${container.name}: image "${image}" needs a fixed tag or digest (not untagged, not :latest)`,
          );
        }
        if (!repository.startsWith(`${IMAGE_REPOSITORY}/`)) {
          report(
            workload.object,
            `${container.name}: image "${image}" is not one of the pipeline's images (${IMAGE_REPOSITORY}/...)`,
          );
        }
      }
    }
  },
};

export const resources: Rule = {
  name: 'resources',
  check(context, report) {
    for (const workload of context.workloads) {
      for (const container of workload.all) {
        for (const resource of ['cpu', 'memory']) {
          const request = parseQuantity(container.resources?.requests?.[resource]);
          const limit = parseQuantity(container.resources?.limits?.[resource]);
          if (request === undefined || limit === undefined) {
            report(
              workload.object,
              `${container.name}: ${resource} request and limit must both be set`,
            );
          } else if (Number.isNaN(request) || Number.isNaN(limit) || request > limit) {
            report(
              workload.object,
              `${container.name}: ${resource} request ${container.resources.requests[resource]} must be a quantity not above the limit ${container.resources.limits[resource]}`,
            );
          }
        }
      }
    }
  },
};

export const memory: Rule = {
  name: 'memory',
  check(context, report) {
    const mebibytes = (value: number): number => Math.round(value / 2 ** 20);
    for (const workload of context.workloads) {
      for (const container of workload.all) {
        const app = containerApp(container);
        const request = parseQuantity(container.resources?.requests?.memory);
        const limit = parseQuantity(container.resources?.limits?.memory);
        if (app === 'dlq-cli') {
          const cliLimit = Math.ceil(DLQ_CLI_MIB * MEMORY_HEADROOM);
          if (limit !== undefined && mebibytes(limit) < cliLimit) {
            report(
              workload.object,
              `${container.name}: memory limit ${container.resources.limits.memory} is below what the CLI needs (about ${DLQ_CLI_MIB} MiB, ${cliLimit}Mi with room)`,
            );
          }
          continue;
        }
        if (app !== 'dlq-sidecar') {
          continue;
        }
        const neededLimit = Math.ceil((DLQ_SIDECAR_IDLE_MIB + DLQ_CLI_MIB) * MEMORY_HEADROOM);
        if (limit !== undefined && mebibytes(limit) < neededLimit) {
          report(
            workload.object,
            `${container.name}: memory limit ${container.resources.limits.memory} cannot hold the sidecar (about ${DLQ_SIDECAR_IDLE_MIB} MiB) and a \`kubectl exec\`-ed CLI (about ${DLQ_CLI_MIB} MiB) with ${Math.round((MEMORY_HEADROOM - 1) * 100)} % room: set at least ${neededLimit}Mi, or the exec gets the sidecar OOM-killed`,
          );
        }
        if (request !== undefined && mebibytes(request) < DLQ_SIDECAR_IDLE_MIB) {
          report(
            workload.object,
            `${container.name}: memory request ${container.resources.requests.memory} is below what the sidecar uses at idle (about ${DLQ_SIDECAR_IDLE_MIB} MiB)`,
          );
        }
      }
    }
  },
};

export const securityContext: Rule = {
  name: 'security-context',
  check(context, report) {
    for (const workload of context.workloads) {
      const pod = workload.podSpec;
      if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
        report(workload.object, 'host namespaces are not allowed');
      }
      if (pod.automountServiceAccountToken !== false) {
        report(
          workload.object,
          'automountServiceAccountToken must be false: no app talks to the Kubernetes API',
        );
      }
      const volumes: Json[] = pod.volumes ?? [];
      for (const container of workload.all) {
        const own = container.securityContext ?? {};
        const runAsNonRoot = own.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        const runAsUser = own.runAsUser ?? pod.securityContext?.runAsUser;
        const seccomp = own.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        const problems = [
          runAsNonRoot !== true && 'runAsNonRoot: true',
          runAsUser === 0 && 'a non-zero runAsUser',
          seccomp !== 'RuntimeDefault' &&
            seccomp !== 'Localhost' &&
            'seccompProfile RuntimeDefault',
          own.allowPrivilegeEscalation !== false && 'allowPrivilegeEscalation: false',
          own.readOnlyRootFilesystem !== true && 'readOnlyRootFilesystem: true',
          !(own.capabilities?.drop ?? []).includes('ALL') && 'capabilities.drop: [ALL]',
          (own.capabilities?.add ?? []).length > 0 && 'no added capabilities',
          own.privileged === true && 'privileged: false',
        ].filter(Boolean);
        if (problems.length > 0) {
          report(workload.object, `${container.name}: needs ${problems.join(', ')}`);
        }
        // Node writes nothing but /tmp; with a read-only root it needs a writable /tmp.
        const tmp = (container.volumeMounts ?? []).find((mount) => mount.mountPath === '/tmp');
        if (
          own.readOnlyRootFilesystem === true &&
          (!tmp || !volumes.find((volume) => volume.name === tmp.name)?.emptyDir)
        ) {
          report(
            workload.object,
            `${container.name}: mount an emptyDir at /tmp (the root filesystem is read-only)`,
          );
        }
      }
    }
  },
};

export const pdb: Rule = {
  name: 'pdb',
  check(context, report) {
    for (const build of context.builds) {
      for (const budget of context.ofKind('PodDisruptionBudget', build.objects)) {
        const selected = build.workloads.filter((workload) =>
          selectorMatches(budget.spec?.selector, workload.podLabels),
        );
        if (selected.length !== 1) {
          report(budget, `selector must match exactly one workload, matches ${selected.length}`);
          continue;
        }
        const { min } = replicaBounds(selected[0], build.objects);
        if (min === 0) {
          continue;
        }
        const { minAvailable, maxUnavailable } = budget.spec;
        const resolve = (value: number | string): number =>
          typeof value === 'string' && value.endsWith('%')
            ? Math.ceil((Number.parseFloat(value) / 100) * min)
            : Number(value);
        const disruptions =
          maxUnavailable !== undefined ? resolve(maxUnavailable) : min - resolve(minAvailable ?? 0);
        if (!(disruptions >= 1)) {
          report(
            budget,
            `allows no eviction at the minimum of ${min} replicas: node drains would block`,
          );
        }
      }
    }
  },
};

export const oneOffJobs: Rule = {
  name: 'one-off-jobs',
  check(context, report) {
    const sidecarImages = context
      .containersOfApp('dlq-sidecar')
      .map(({ container }) => container.image);
    for (const workload of context.workloads.filter(isOneOff)) {
      const spec = jobSpec(workload);
      if (
        !['Never', 'OnFailure'].includes(workload.podSpec.restartPolicy) ||
        spec?.backoffLimit === undefined ||
        !spec?.activeDeadlineSeconds
      ) {
        report(
          workload.object,
          'a one-shot Job needs restartPolicy Never/OnFailure, backoffLimit and activeDeadlineSeconds',
        );
      }
      for (const container of workload.all) {
        if (containerApp(container) !== 'dlq-cli') {
          continue;
        }
        if (workload.object.kind === 'CronJob') {
          if (workload.object.spec?.suspend !== true) {
            report(
              workload.object,
              'a CronJob running the DLQ CLI is a template for one-off operator Jobs: set suspend: true, or every schedule redrives',
            );
          }
          const args = [...(container.command ?? []), ...(container.args ?? [])];
          const cliArgs = args.slice(args.indexOf('cli.js') + 1);
          if (!changesNothing(cliArgs)) {
            report(
              workload.object,
              `${container.name}: a Job created from the template without new args runs "${cliArgs.join(' ')}", which changes the DLQ: make the default a listing or a --dry-run`,
            );
          }
        }
        if (
          sidecarImages.length === 0 ||
          sidecarImages.some((image) => image !== container.image)
        ) {
          report(
            workload.object,
            `${container.name}: runs ${container.image} but the dlq-sidecar runs ${sidecarImages.join(', ') || 'nowhere in this build'}: CLI and sidecar share the audit and ledger tables, one image`,
          );
        }
      }
    }
  },
};

export const topologySpread: Rule = {
  name: 'topology-spread',
  check(context, report) {
    for (const workload of context.workloads) {
      if (workload.object.kind === 'Deployment') {
        const constraints: Json[] = workload.podSpec.topologySpreadConstraints ?? [];
        const zone = constraints.find(
          (constraint) => constraint.topologyKey === 'topology.kubernetes.io/zone',
        );
        if (!zone || !selectorMatches(zone.labelSelector, workload.podLabels)) {
          report(
            workload.object,
            'needs a zone topologySpreadConstraint whose labelSelector matches its own pods',
          );
        }
      }
    }
  },
};
