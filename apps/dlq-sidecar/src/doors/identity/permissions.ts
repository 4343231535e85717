import { OPERATOR_ROLES, OperatorRole } from '@orders/config';
import { Identity } from './identity';

/** Everything a door can do, with the least role that may do it. The server checks each one. */
export const ACTIONS = {
  'failed-orders.read': {
    role: 'reader',
    label: 'See failed orders, failure groups and the audit log',
  },
  'failed-orders.reveal': {
    role: 'operator',
    label: 'Reveal masked customer ids (with a reason, audited)',
  },
  'failed-orders.redrive': {
    role: 'operator',
    label: 'Redrive failed orders (dry run, plan, staged apply)',
  },
  'failed-orders.edit': { role: 'operator', label: 'Edit a failed order and retry it' },
  'failed-orders.triage': { role: 'operator', label: 'Set owner, note and hold on a group' },
  'failed-orders.discard': { role: 'operator', label: 'Discard and restore failed orders' },
  'failed-orders.purge': { role: 'admin', label: 'Purge failed orders for good' },
  'api-keys.read': { role: 'admin', label: 'See who holds operator API keys' },
} as const satisfies Record<string, { role: OperatorRole; label: string }>;

export type Action = keyof typeof ACTIONS;

export function roleRank(role: OperatorRole): number {
  return OPERATOR_ROLES.indexOf(role);
}

export function may(identity: Identity, action: Action): boolean {
  return roleRank(identity.role) >= roleRank(ACTIONS[action].role);
}

/** Why an action is refused, in words the console shows next to the disabled control. */
export function refusalOf(identity: Identity, action: Action): string | undefined {
  return may(identity, action)
    ? undefined
    : `Needs the ${ACTIONS[action].role} role; ${identity.name} has the ${identity.role} role.`;
}

export interface PermissionLine {
  action: Action;
  label: string;
  role: OperatorRole;
  allowed: boolean;
  reason?: string;
}

/** The "what may I do" list: every action, allowed or with the reason it is not. */
export function permissionsOf(identity: Identity): PermissionLine[] {
  return (Object.keys(ACTIONS) as Action[]).map((action) => ({
    action,
    label: ACTIONS[action].label,
    role: ACTIONS[action].role,
    allowed: may(identity, action),
    reason: refusalOf(identity, action),
  }));
}
