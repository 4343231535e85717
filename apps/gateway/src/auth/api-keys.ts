import { hash, timingSafeEqual } from 'node:crypto';

interface ApiKeyEntry {
  clientId: string;
  hash: Buffer;
}

/** The configured `clientId:sha256hex` pairs; keys themselves never reach the config. */
export class ApiKeys {
  private readonly entries: ApiKeyEntry[];
  private readonly identified = new Map<string, string>();

  constructor(pairs: string[]) {
    this.entries = pairs.map((pair) => {
      const [clientId, hex] = pair.split(':');
      return { clientId, hash: Buffer.from(hex, 'hex') };
    });
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The client owning this key, or undefined. Every entry is compared, in constant time. */
  identify(presentedKey: string): string | undefined {
    // Hashing was a few per cent of the CPU per order. Only keys that matched are remembered, so
    // the map holds at most one entry per configured key, and a wrong key is always hashed.
    const known = this.identified.get(presentedKey);
    if (known !== undefined) {
      return known;
    }
    const presented = hash('sha256', presentedKey, 'buffer');
    let match: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) {
        match = entry.clientId;
      }
    }
    if (match !== undefined) {
      this.identified.set(presentedKey, match);
    }
    return match;
  }
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedApiKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const authorization = first(headers.authorization);
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  return first(headers['x-api-key']);
}
