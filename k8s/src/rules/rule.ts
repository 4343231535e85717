import { AppName, effectiveConfig } from '../lib/app-contract';
import { AppSurface, AppSurfaces, Route } from '../lib/app-surface';
import { K8sObject, objectId } from '../lib/manifests';
import { Problem } from '../lib/problem';
import {
  Container,
  containerApp,
  resolveEnv,
  ResolvedEnv,
  Workload,
  workloads,
} from '../lib/workloads';

/** Everything a rule may look at: one environment's two builds. */
export interface CheckInput {
  name: string;
  app: K8sObject[];
  migrate: K8sObject[];
}

export type Report = (object: K8sObject | string, message: string) => void;

/** One rule: its name is on every problem it reports. */
export interface Rule {
  name: string;
  check(context: Context, report: Report): void;
}

interface Build {
  label: 'app' | 'migrate';
  objects: K8sObject[];
  workloads: Workload[];
}

const NO_SURFACE: AppSurface = { routes: [], metricNames: new Set(), classNames: new Set() };

export class Context {
  readonly builds: Build[];
  readonly objects: K8sObject[];
  readonly workloads: Workload[];
  readonly problems: Problem[] = [];
  private readonly envCache = new Map<Container, ResolvedEnv>();

  constructor(
    readonly input: CheckInput,
    private readonly surfaces: AppSurfaces,
  ) {
    this.builds = [
      { label: 'app', objects: input.app, workloads: workloads(input.app) },
      { label: 'migrate', objects: input.migrate, workloads: workloads(input.migrate) },
    ];
    this.objects = [...input.app, ...input.migrate];
    this.workloads = this.builds.flatMap((build) => build.workloads);
  }

  reporterFor(rule: string): Report {
    return (object, message) =>
      this.problems.push({
        rule,
        object: typeof object === 'string' ? object : objectId(object),
        message,
      });
  }

  ofKind(kind: string, objects = this.objects): K8sObject[] {
    return objects.filter((object) => object.kind === kind);
  }

  buildOf(workload: Workload): Build {
    return this.builds.find((build) => build.workloads.includes(workload)) as Build;
  }

  env(container: Container, workload: Workload): ResolvedEnv {
    let resolved = this.envCache.get(container);
    if (!resolved) {
      resolved = resolveEnv(container, this.buildOf(workload).objects);
      this.envCache.set(container, resolved);
    }
    return resolved;
  }

  /** The app's validated config for this container, or undefined when it would not start. */
  config(container: Container, workload: Workload): Record<string, unknown> | undefined {
    const app = containerApp(container);
    if (!app) {
      return undefined;
    }
    try {
      return effectiveConfig(app, this.env(container, workload).values);
    } catch {
      return undefined;
    }
  }

  /** What the app's Nest container serves and exports (one-shot processes serve nothing). */
  surface(app: AppName): AppSurface {
    return app === 'dlq-cli' || app === 'migrate' ? NO_SURFACE : this.surfaces[app];
  }

  routes(app: AppName): Route[] {
    return this.surface(app).routes;
  }

  /** Whether GET <path> is served (probes and scrapes use exact paths, no parameters). */
  servesGet(app: AppName, requestPath: string): boolean {
    return this.routes(app).some((route) => route.method === 'GET' && route.path === requestPath);
  }

  /** Every series any app exports. */
  metricNames(): Set<string> {
    return new Set(Object.values(this.surfaces).flatMap((surface) => [...surface.metricNames]));
  }

  workloadNamed(kind: string, name: string, objects = this.objects): Workload | undefined {
    return this.workloads.find(
      (workload) =>
        workload.object.kind === kind &&
        workload.object.metadata.name === name &&
        objects.includes(workload.object),
    );
  }

  containersOfApp(app: AppName): Array<{ workload: Workload; container: Container }> {
    return this.workloads.flatMap((workload) =>
      workload.all
        .filter((container) => containerApp(container) === app)
        .map((container) => ({ workload, container })),
    );
  }
}
