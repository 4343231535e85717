import { appSurfaces } from '../lib/app-contract';
import { Environment } from '../lib/manifests';
import { Problem } from '../lib/problem';
import { config, gracePeriod, inspectHint, migration, nativeSidecar, probes } from './app-wiring';
import { accounts, iamPolicies, secrets, serviceAccount } from './identity';
import { monitoring } from './monitoring';
import { awsResources } from './queues';
import { ingress, networkPolicies, ports, serviceSelector } from './network';
import { CheckInput, Context, Rule } from './rule';
import { autoscaling, dbBudget, keda } from './scaling';
import {
  imageTag,
  memory,
  oneOffJobs,
  pdb,
  placeholders,
  resources,
  schema,
  securityContext,
  topologySpread,
} from './workload-hardening';

export const RULES: Rule[] = [
  schema,
  placeholders,
  imageTag,
  resources,
  memory,
  securityContext,
  pdb,
  topologySpread,
  oneOffJobs,
  serviceAccount,
  iamPolicies,
  accounts,
  secrets,
  autoscaling,
  keda,
  dbBudget,
  serviceSelector,
  ingress,
  networkPolicies,
  ports,
  config,
  probes,
  inspectHint,
  gracePeriod,
  migration,
  nativeSidecar,
  monitoring,
  awsResources,
];

/** Every rule over one environment (its app overlay and migrate overlay). */
export async function checkEnvironment(input: CheckInput | Environment): Promise<Problem[]> {
  const context = new Context(
    { name: input.name, app: input.app, migrate: input.migrate },
    await appSurfaces(),
  );
  for (const rule of RULES) {
    rule.check(context, context.reporterFor(rule.name));
  }
  return context.problems;
}
