import { AppName, AWS_APPS } from '../lib/app-contract';
import { K8sObject, objectId } from '../lib/manifests';
import {
  containerApp,
  containerPort,
  isOneOff,
  Json,
  selectorMatches,
  Workload,
  workloads,
} from '../lib/workloads';
import { ipBlockAdmits } from '../lib/cidr';
import { Rule } from './rule';

// Where the EKS Pod Identity agent listens on every node (IPv4 and IPv6 clusters), and the instance
// metadata service, which must stay out of reach.
const POD_IDENTITY_AGENT = ['169.254.170.23', 'fd00:ec2::23'];
const IMDS = '169.254.169.254';
// An address of SQS's public endpoint ranges: a 443 rule that admits it bypasses the VPC endpoints.
const AWS_PUBLIC_ENDPOINT = '52.94.0.1';
// Set by components/network-policies-internet-egress, for clusters without VPC endpoints.
const EGRESS_ANNOTATION = 'order-pipeline.io/egress';

export const serviceSelector: Rule = {
  name: 'service-selector',
  check(context, report) {
    for (const build of context.builds) {
      for (const service of context.ofKind('Service', build.objects)) {
        const selected = build.workloads.filter((workload) =>
          selectorMatches({ matchLabels: service.spec?.selector }, workload.podLabels),
        );
        if (selected.length === 0) {
          report(
            service,
            `selector ${JSON.stringify(service.spec?.selector)} matches no pod template`,
          );
          continue;
        }
        for (const port of service.spec?.ports ?? []) {
          const target = port.targetPort ?? port.port;
          if (
            !selected.every((workload) =>
              workload.longRunning.some((container) =>
                (container.ports ?? []).some(
                  (item) => item.name === target || item.containerPort === target,
                ),
              ),
            )
          ) {
            report(service, `targetPort ${target} is not a container port of every selected pod`);
          }
        }
      }
    }
  },
};

export const ingress: Rule = {
  name: 'ingress',
  check(context, report) {
    for (const object of context.ofKind('Ingress')) {
      if (!object.spec?.ingressClassName) {
        report(object, 'set ingressClassName');
      }
      for (const rule of object.spec?.rules ?? []) {
        for (const route of rule.http?.paths ?? []) {
          const backend = route.backend?.service;
          const service = context
            .ofKind('Service', context.input.app)
            .find((item) => item.metadata.name === backend?.name);
          if (!service) {
            report(object, `${route.path}: backend Service "${backend?.name}" is not in the build`);
            continue;
          }
          if (
            !(service.spec.ports ?? []).some(
              (port: Json) =>
                port.name === backend.port?.name || port.port === backend.port?.number,
            )
          ) {
            report(
              object,
              `${route.path}: Service ${service.metadata.name} has no port ${JSON.stringify(backend.port)}`,
            );
          }
          // Internal endpoints stay internal.
          if (
            route.path === '/' ||
            ['/metrics', '/health'].some(
              (internal) => internal.startsWith(route.path) || route.path.startsWith(internal),
            )
          ) {
            report(
              object,
              `${route.path} exposes /metrics or /health publicly: route the API paths only`,
            );
          }
          const selected = workloads(context.input.app).filter((workload) =>
            selectorMatches({ matchLabels: service.spec.selector }, workload.podLabels),
          );
          const apps = selected
            .flatMap((workload) => workload.longRunning.map(containerApp))
            .filter(Boolean) as AppName[];
          if (
            !apps.some((app) =>
              context
                .routes(app)
                .some(
                  (served) =>
                    served.path === route.path || served.path.startsWith(`${route.path}/`),
                ),
            )
          ) {
            report(
              object,
              `${route.path}: no route of ${apps.join(', ') || 'the backend'} lives under this path`,
            );
          }
        }
      }
    }
  },
};

export const networkPolicies: Rule = {
  name: 'network-policies',
  check(context, report) {
    const policies = context.ofKind('NetworkPolicy');
    if (policies.length === 0) {
      return;
    }
    const selects = (policy: K8sObject, workload: Workload): boolean =>
      selectorMatches(policy.spec?.podSelector ?? {}, workload.podLabels) ||
      Object.keys(policy.spec?.podSelector ?? {}).length === 0;
    const defaultDeny = policies.find(
      (policy) =>
        Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
        ['Ingress', 'Egress'].every((type) => (policy.spec?.policyTypes ?? []).includes(type)) &&
        !policy.spec?.ingress &&
        !policy.spec?.egress,
    );
    if (!defaultDeny) {
      report(
        context.input.name,
        'NetworkPolicies need a default deny (podSelector {}, Ingress and Egress, no rules)',
      );
    }
    for (const policy of policies) {
      if (!context.workloads.some((workload) => selects(policy, workload))) {
        report(policy, 'selects no pod of this environment');
      }
    }
    // A rule without "to" reaches every destination; otherwise one of its peers must fit.
    const allowsEgress = (
      workload: Workload,
      port: number,
      peerFits: (peer: Json) => boolean = () => true,
    ): boolean =>
      policies.some(
        (policy) =>
          selects(policy, workload) &&
          (policy.spec?.egress ?? []).some(
            (rule: Json) =>
              (rule.ports ?? []).some((item: Json) => item.port === port) &&
              ((rule.to ?? []).length === 0 || rule.to.some(peerFits)),
          ),
      );
    for (const workload of context.workloads) {
      if (!allowsEgress(workload, 53)) {
        report(workload.object, 'no egress to DNS (port 53)');
      }
      const apps = workload.all.map(containerApp);
      if (
        workload.all.some((container) =>
          context.env(container, workload).names.has('DATABASE_URL'),
        ) &&
        !allowsEgress(workload, 5432)
      ) {
        report(workload.object, 'uses DATABASE_URL but no egress to PostgreSQL (5432) is allowed');
      }
      const callsAws = apps.some((app) => AWS_APPS.includes(app as AppName));
      if (callsAws && !allowsEgress(workload, 443)) {
        report(workload.object, 'calls AWS but no egress to 443 is allowed');
      }
      // The deploy guide offers IRSA (STS over 443) and EKS Pod Identity: both must work.
      for (const address of callsAws ? POD_IDENTITY_AGENT : []) {
        if (!allowsEgress(workload, 80, (peer) => ipBlockAdmits(peer.ipBlock, address))) {
          report(
            workload.object,
            `calls AWS but cannot reach the EKS Pod Identity agent (${address} port 80): allow it, as components/network-policies does`,
          );
        }
      }
      if (callsAws && allowsEgress(workload, 80, (peer) => ipBlockAdmits(peer.ipBlock, IMDS))) {
        report(
          workload.object,
          `egress reaches the instance metadata service (${IMDS}): node credentials`,
        );
      }
      for (const service of context
        .ofKind('Service')
        .filter((item) =>
          selectorMatches({ matchLabels: item.spec?.selector }, workload.podLabels),
        )) {
        for (const port of service.spec.ports ?? []) {
          const number = containerPort(workload, port.targetPort ?? port.port);
          const allowed = policies.some(
            (policy) =>
              selects(policy, workload) &&
              (policy.spec?.ingress ?? []).some((rule: Json) =>
                (rule.ports ?? []).some((item: Json) => item.port === number),
              ),
          );
          if (!allowed) {
            report(
              workload.object,
              `Service ${service.metadata.name} sends to port ${number} but no ingress rule admits it`,
            );
          }
        }
      }
    }
    // One database per environment: an overlay that moves it must move every policy's 5432 rule.
    const databasePeers = new Map<string, string>();
    for (const policy of policies) {
      for (const rule of policy.spec?.egress ?? []) {
        if ((rule.ports ?? []).some((item: Json) => item.port === 5432)) {
          databasePeers.set(JSON.stringify(rule.to ?? []), objectId(policy));
        }
      }
    }
    if (databasePeers.size > 1) {
      report(
        context.input.name,
        `egress to PostgreSQL (5432) names different peers: ${[...databasePeers].map(([peers, policy]) => `${policy} ${peers}`).join(', ')}`,
      );
    }
    // 443 goes to the VPC endpoints (SQS, STS, EKS Auth) of the environment, one set of CIDRs for
    // every policy; AWS's public endpoints only through the documented escape hatch.
    const awsPeers = new Map<string, string>();
    for (const policy of policies) {
      for (const rule of policy.spec?.egress ?? []) {
        if (!(rule.ports ?? []).some((item: Json) => item.port === 443)) {
          continue;
        }
        const reachesInternet =
          (rule.to ?? []).length === 0 ||
          rule.to.some((peer: Json) => ipBlockAdmits(peer.ipBlock, AWS_PUBLIC_ENDPOINT));
        if (!reachesInternet) {
          awsPeers.set(JSON.stringify(rule.to), objectId(policy));
        } else if (policy.metadata.annotations?.[EGRESS_ANNOTATION] !== 'internet') {
          report(
            policy,
            `egress to 443 reaches AWS's public endpoints (${AWS_PUBLIC_ENDPOINT}): allow the CIDRs of the VPC endpoints only, or mark the escape hatch (components/network-policies-internet-egress)`,
          );
        }
      }
    }
    if (awsPeers.size > 1) {
      report(
        context.input.name,
        `egress to 443 names different peers: ${[...awsPeers].map(([peers, policy]) => `${policy} ${peers}`).join(', ')}`,
      );
    }
    // Where the dlq-sidecar sends alerts: Alertmanager in the cluster, a webhook outside it.
    for (const workload of context.workloads) {
      for (const container of workload.longRunning) {
        if (containerApp(container) !== 'dlq-sidecar') {
          continue;
        }
        const resolved = context.env(container, workload);
        for (const key of ['ALERTMANAGER_URL', 'ALERT_WEBHOOK_URL']) {
          if (!resolved.names.has(key)) {
            continue;
          }
          // From a Secret the URL is unknown here: a Slack-style https webhook outside the cluster.
          const fromSecret = resolved.secrets.some((secret) => secret.variable === key);
          const url = new URL(
            fromSecret ? 'https://webhook.outside.example' : resolved.values[key],
          );
          const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
          const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
          const allowed = inCluster
            ? allowsEgress(workload, port, (peer) =>
                selectorMatches(peer.namespaceSelector, {
                  'kubernetes.io/metadata.name': inCluster[1],
                }),
              )
            : allowsEgress(workload, port, (peer) =>
                /^0\.0\.0\.0\/0$/.test(peer.ipBlock?.cidr ?? ''),
              );
          if (!allowed) {
            report(
              workload.object,
              inCluster
                ? `${container.name}: ${key} ${url.host} needs egress to namespace ${inCluster[1]} on port ${port}`
                : `${container.name}: ${key}${fromSecret ? ' (from a Secret, taken as an https webhook outside the cluster)' : ` ${url.host}`} needs egress to 0.0.0.0/0 on port ${port}`,
            );
          }
        }
      }
    }
  },
};

export const ports: Rule = {
  name: 'ports',
  check(context, report) {
    for (const workload of context.workloads) {
      const ports = workload.all.flatMap((container) => container.ports ?? []);
      const numbers = ports.map((port) => port.containerPort);
      const names = ports.map((port) => port.name).filter(Boolean);
      if (new Set(numbers).size !== numbers.length || new Set(names).size !== names.length) {
        report(
          workload.object,
          `containers of one pod share the network: ports ${numbers.join(', ')} and names ${names.join(', ')} must be unique`,
        );
      }
      for (const container of isOneOff(workload) ? [] : workload.longRunning) {
        const config = context.config(container, workload);
        if (
          config?.PORT !== undefined &&
          !(container.ports ?? []).some((port) => port.containerPort === config.PORT)
        ) {
          report(
            workload.object,
            `${container.name}: listens on PORT=${config.PORT} but declares ports ${(container.ports ?? []).map((port) => port.containerPort).join(', ') || 'none'}`,
          );
        }
      }
    }
  },
};
