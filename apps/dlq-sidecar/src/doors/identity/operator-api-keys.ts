import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig, OperatorRole } from '@orders/config';
import { createHash } from 'node:crypto';
import { Identity } from './identity';

export interface ApiKeyHolder {
  name: string;
  role: OperatorRole;
}

/** Named operator keys from config, known only by their sha256; the old single admin key is `admin-api`. */
@Injectable()
export class OperatorApiKeys {
  private readonly byHash = new Map<string, ApiKeyHolder>();

  constructor(config: DlqSidecarConfig) {
    for (const entry of config.OPERATOR_API_KEYS) {
      const [name, role, hash] = entry.split(':');
      this.byHash.set(hash, { name, role: role as OperatorRole });
    }
    if (config.ADMIN_API_KEY_SHA256) {
      this.byHash.set(config.ADMIN_API_KEY_SHA256, { name: 'admin-api', role: 'admin' });
    }
  }

  /** Names and roles only, for the admin's view of who holds keys. */
  holders(): ApiKeyHolder[] {
    return [...this.byHash.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  // A lookup by the key's hash: an attacker cannot steer the hash, so its timing tells nothing.
  identify(key: string): Identity | undefined {
    const holder = this.byHash.get(createHash('sha256').update(key).digest('hex'));
    return (
      holder && {
        subject: `key:${holder.name}`,
        name: holder.name,
        role: holder.role,
        via: 'api-key',
      }
    );
  }
}
