import { OPERATOR_ROLES, OperatorRole } from '@orders/config';
import { roleRank } from './permissions';

/**
 * Turns the IdP's roles claim (or the proxy's groups) into one role: the highest mapped value.
 * Nothing mapped means no role, and no role means no entry.
 */
export class RoleMapping {
  private readonly roles = new Map<string, OperatorRole>(
    OPERATOR_ROLES.map((role) => [role, role]),
  );

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const separator = entry.lastIndexOf('=');
      this.roles.set(entry.slice(0, separator), entry.slice(separator + 1) as OperatorRole);
    }
  }

  roleOf(values: readonly string[]): OperatorRole | undefined {
    let best: OperatorRole | undefined;
    for (const value of values) {
      const role = this.roles.get(value);
      if (role && (best === undefined || roleRank(role) > roleRank(best))) {
        best = role;
      }
    }
    return best;
  }
}

/** A claim's values by dotted path (`realm_access.roles`): a string, a list, or space/comma-separated text. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  if (typeof value === 'string') {
    return value.split(/[\s,]+/).filter((item) => item.length > 0);
  }
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}
