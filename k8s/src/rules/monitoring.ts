import { AppName } from '../lib/app-contract';
import { K8sObject } from '../lib/manifests';
import { containerApp, Json, selectorMatches, workloads } from '../lib/workloads';
import { Rule } from './rule';

export const monitoring: Rule = {
  name: 'monitoring',
  check(context, report) {
    const metricNames = context.metricNames();
    for (const monitor of context.ofKind('ServiceMonitor')) {
      const servicesSelected = context
        .ofKind('Service', context.input.app)
        .filter((service) =>
          selectorMatches(monitor.spec?.selector, service.metadata.labels ?? {}),
        );
      if (servicesSelected.length === 0) {
        report(monitor, 'selector matches no Service labels');
      }
      for (const service of servicesSelected) {
        const pods = workloads(context.input.app).filter((workload) =>
          selectorMatches({ matchLabels: service.spec.selector }, workload.podLabels),
        );
        for (const endpoint of monitor.spec.endpoints ?? []) {
          if (!(service.spec.ports ?? []).some((port: Json) => port.name === endpoint.port)) {
            report(
              monitor,
              `endpoint port "${endpoint.port}" is not a named port of Service ${service.metadata.name}`,
            );
          }
          const apps = pods
            .flatMap((workload) => workload.longRunning.map(containerApp))
            .filter(Boolean) as AppName[];
          if (!apps.every((app) => context.servesGet(app, endpoint.path ?? '/metrics'))) {
            report(
              monitor,
              `scrapes ${endpoint.path ?? '/metrics'}, which ${apps.join(', ')} does not serve`,
            );
          }
        }
      }
    }
    for (const monitor of context.ofKind('PodMonitor')) {
      const selected = context.workloads.filter((workload) =>
        selectorMatches(monitor.spec?.selector, workload.podLabels),
      );
      if (selected.length === 0) {
        report(monitor, 'selector matches no pod template');
      }
      for (const workload of selected) {
        for (const endpoint of monitor.spec.podMetricsEndpoints ?? []) {
          const container = workload.longRunning.find((item) =>
            (item.ports ?? []).some((port) => port.name === endpoint.port),
          );
          const app = container && containerApp(container);
          if (!container || !app) {
            report(monitor, `port "${endpoint.port}" is not a named port of ${workload.id}`);
          } else if (!context.servesGet(app, endpoint.path ?? '/metrics')) {
            report(
              monitor,
              `scrapes ${endpoint.path ?? '/metrics'} on ${container.name}, which ${app} does not serve`,
            );
          }
        }
      }
    }
    const expressions: Array<{ object: K8sObject; expr: string }> = [
      ...context.ofKind('PrometheusRule').flatMap((rule) =>
        (rule.spec?.groups ?? []).flatMap((group: Json) =>
          (group.rules ?? []).map((item: Json) => ({
            object: rule,
            expr: String(item.expr),
          })),
        ),
      ),
      ...context.ofKind('ScaledObject').flatMap((scaled) =>
        (scaled.spec?.triggers ?? [])
          .filter((trigger: Json) => trigger.type === 'prometheus')
          .map((trigger: Json) => ({
            object: scaled,
            expr: String(trigger.metadata?.query),
          })),
      ),
      // The Grafana dashboard, shipped as ConfigMaps for Grafana's sidecar.
      ...context
        .ofKind('ConfigMap')
        .filter((map) => map.metadata.labels?.grafana_dashboard === '1')
        .flatMap((map) =>
          Object.values<string>(map.data ?? {}).flatMap((json) =>
            dashboardExpressions(json).map((expr) => ({ object: map, expr })),
          ),
        ),
    ];
    // The CloudWatch queue alerts name a namespace after the queue: orders-<env> lives in orders-<env>.
    const namespace = context.ofKind('Namespace', context.input.app)[0]?.metadata.name;
    const processor = context.containersOfApp('processor')[0];
    const queueUrl =
      processor && context.env(processor.container, processor.workload).values.ORDERS_QUEUE_URL;
    const queueName = String(queueUrl ?? '').split('/')[4];
    for (const { object, expr } of expressions) {
      if (expr.includes('queue_name') && queueName !== namespace) {
        report(
          object,
          `its queue alerts take the namespace from the queue's name, but ORDERS_QUEUE_URL names ${queueName} in namespace ${namespace}`,
        );
      }
      // Series named after the apps' own prefixes must exist in the apps' code.
      for (const match of expr.matchAll(
        /\b((?:orders|processor|sqs|dlq|db|http_request)_[a-z0-9_]+)\b/g,
      )) {
        if (!metricNames.has(match[1])) {
          report(object, `${match[1]} is not a series of any app's prom-client registry`);
        }
      }
    }
  },
};

function dashboardExpressions(json: string): string[] {
  const dashboard = JSON.parse(json) as { panels?: { targets?: { expr?: string }[] }[] };
  return (dashboard.panels ?? []).flatMap((panel) =>
    (panel.targets ?? []).map((target) => String(target.expr ?? '')),
  );
}
