import { Environment } from '../lib/manifests';
import { TrafficProfile } from './profiles';
import { ScalingPolicy } from './settings';

/** The gateway's HorizontalPodAutoscaler and the CPU its container may use, from one built overlay. */
export interface GatewayScaling {
  minReplicas: number;
  maxReplicas: number;
  targetUtilization: number;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number;
  scaleUp: { windowSeconds: number; policies: ScalingPolicy[] };
  scaleDown: { windowSeconds: number; policies: ScalingPolicy[] };
}

export interface GatewayAssumptions {
  /** CPU per accepted order (bench: 0.235 ms as shipped, issue 22). */
  cpuMsPerOrder: number;
  /** Share of one core at which the event loop saturates and the gateway starts to shed. */
  saturationShare: number;
  podStartupSeconds: number;
  /** metrics-server window + HPA sync: how late the HPA sees a change. */
  metricsLagSeconds: number;
  hpaSyncSeconds: number;
}

export const DEFAULT_GATEWAY_ASSUMPTIONS: GatewayAssumptions = {
  cpuMsPerOrder: 0.235,
  saturationShare: 0.8,
  podStartupSeconds: 10,
  metricsLagSeconds: 30,
  hpaSyncSeconds: 15,
};

function millicores(value: string | number | undefined): number {
  const text = String(value ?? '');
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Number(text) * 1000;
}

export function gatewayScaling(environment: Environment): GatewayScaling {
  const hpa = environment.app.find(
    (object) => object.kind === 'HorizontalPodAutoscaler' && object.spec?.scaleTargetRef?.name,
  );
  const deployment = environment.app.find(
    (object) =>
      object.kind === 'Deployment' && object.metadata.name === hpa?.spec.scaleTargetRef.name,
  );
  const container = deployment?.spec?.template?.spec?.containers?.find(
    (entry: { name: string }) => entry.name === 'gateway',
  );
  const cpu = hpa?.spec.metrics?.find(
    (metric: { resource?: { name?: string } }) => metric.resource?.name === 'cpu',
  );
  if (!hpa || !container || !cpu) {
    throw new Error(`overlay ${environment.name}: no gateway HPA on CPU for a gateway container`);
  }
  const behavior = hpa.spec.behavior ?? {};
  return {
    minReplicas: hpa.spec.minReplicas ?? 1,
    maxReplicas: hpa.spec.maxReplicas,
    targetUtilization: cpu.resource.target.averageUtilization,
    cpuRequestMillicores: millicores(container.resources?.requests?.cpu),
    cpuLimitMillicores: millicores(container.resources?.limits?.cpu),
    scaleUp: {
      windowSeconds: behavior.scaleUp?.stabilizationWindowSeconds ?? 0,
      policies: behavior.scaleUp?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
    scaleDown: {
      windowSeconds: behavior.scaleDown?.stabilizationWindowSeconds ?? 300,
      policies: behavior.scaleDown?.policies ?? [
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
  };
}

export interface GatewaySample {
  second: number;
  arrivals: number;
  replicas: number;
  ready: number;
  utilization: number;
  shed: number;
}

export interface GatewaySummary {
  perReplicaCapacity: number;
  perReplicaAtTarget: number;
  peakReplicas: number;
  shedOrders: number;
  secondsShedding: number;
  offered: number;
}

/**
 * The HPA's algorithm (desired = ceil(ready x utilization / target), policies per period, the
 * scale-down window) against a traffic profile. Orders above the ready replicas' capacity are shed
 * (503 + Retry-After), none queue: what the gateway's admission does.
 */
export function simulateGateway(
  scaling: GatewayScaling,
  profile: TrafficProfile,
  assumptions: GatewayAssumptions,
): { samples: GatewaySample[]; summary: GatewaySummary } {
  const usable = Math.min(scaling.cpuLimitMillicores, 1000) * assumptions.saturationShare;
  const perReplicaCapacity = usable / assumptions.cpuMsPerOrder;
  const perReplicaAtTarget =
    (scaling.cpuRequestMillicores * scaling.targetUtilization) / 100 / assumptions.cpuMsPerOrder;
  const starting: number[] = [];
  let ready = scaling.minReplicas;
  let replicas = scaling.minReplicas;
  const utilizationHistory: number[] = [];
  const recommendations: { second: number; desired: number }[] = [];
  const samples: GatewaySample[] = [];
  let shedOrders = 0;
  let secondsShedding = 0;
  let offered = 0;
  let peakReplicas = replicas;
  for (let second = 0; second < profile.durationSeconds; second++) {
    while (starting.length > 0 && starting[0] <= second) {
      starting.shift();
      ready += 1;
    }
    const arrivals = profile.arrivalRate(second);
    offered += arrivals;
    const served = Math.min(arrivals, ready * perReplicaCapacity);
    const shed = arrivals - served;
    shedOrders += shed;
    secondsShedding += shed > 0 ? 1 : 0;
    const utilization =
      ((served / ready) * assumptions.cpuMsPerOrder * 100) / scaling.cpuRequestMillicores;
    utilizationHistory.push(utilization);
    if (second > 0 && second % assumptions.hpaSyncSeconds === 0) {
      const seen =
        utilizationHistory[
          Math.max(0, utilizationHistory.length - 1 - assumptions.metricsLagSeconds)
        ];
      const desired = Math.min(
        scaling.maxReplicas,
        Math.max(scaling.minReplicas, Math.ceil((ready * seen) / scaling.targetUtilization)),
      );
      recommendations.push({ second, desired });
      const upWindow = recommendations.filter(
        (entry) => entry.second > second - scaling.scaleUp.windowSeconds,
      );
      const downWindow = recommendations.filter(
        (entry) => entry.second > second - scaling.scaleDown.windowSeconds,
      );
      const upTo = Math.min(desired, ...upWindow.map((entry) => entry.desired));
      const downTo = Math.max(desired, ...downWindow.map((entry) => entry.desired));
      if (upTo > replicas) {
        const allowed = Math.max(
          ...scaling.scaleUp.policies.map((policy) =>
            policy.type === 'Percent'
              ? Math.ceil(replicas * (1 + policy.value / 100))
              : replicas + policy.value,
          ),
        );
        const next = Math.min(upTo, allowed, scaling.maxReplicas);
        for (let added = replicas; added < next; added++) {
          starting.push(second + assumptions.podStartupSeconds);
        }
        replicas = next;
      } else if (downTo < replicas && second % 60 === 0) {
        const allowed = Math.min(
          ...scaling.scaleDown.policies.map((policy) =>
            policy.type === 'Percent'
              ? Math.floor(replicas * (1 - policy.value / 100))
              : replicas - policy.value,
          ),
        );
        replicas = Math.max(downTo, allowed, scaling.minReplicas);
        ready = Math.min(ready, replicas);
      }
    }
    peakReplicas = Math.max(peakReplicas, replicas);
    samples.push({ second, arrivals, replicas, ready, utilization, shed });
  }
  return {
    samples,
    summary: {
      perReplicaCapacity: Math.round(perReplicaCapacity),
      perReplicaAtTarget: Math.round(perReplicaAtTarget),
      peakReplicas,
      shedOrders: Math.round(shedOrders),
      secondsShedding,
      offered: Math.round(offered),
    },
  };
}
