import { OperatorRole } from '@orders/config';

export type SignedInVia = 'api-key' | 'local-token' | 'oidc' | 'proxy';

/** A verified person or key: whatever a request says about itself is never part of this. */
export interface Identity {
  /** Stable id: the IdP's `sub`, the proxy's user, `key:<name>` or `local`. */
  subject: string;
  /** What people read in the console and the audit log. */
  name: string;
  role: OperatorRole;
  via: SignedInVia;
}

/** The audit log's actor: the verified name and how it was verified. */
export function actorOf(identity: Identity): string {
  return `${identity.name} (${identity.via})`;
}
