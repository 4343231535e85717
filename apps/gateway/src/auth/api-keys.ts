import { hash, timingSafeEqual } from 'node:crypto';

interface ApiKeyEntry {
  clientId: string;
  hash: Buffer;
}

/** The configured `clientId:sha256hex` pairs; keys themselves never reach the config. */
export class ApiKeys {
  private readonly entries: ApiKeyEntry[];
  // Presented key → client and when it last matched.
  private readonly identified = new Map<string, { clientId: string; at: number }>();

  constructor(
    pairs: string[],
    private readonly now: () => number = Date.now,
  ) {
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
      known.at = this.now();
      return known.clientId;
    }
    const presented = hash('sha256', presentedKey, 'buffer');
    let match: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) {
        match = entry.clientId;
      }
    }
    if (match !== undefined) {
      this.identified.set(presentedKey, { clientId: match, at: this.now() });
    }
    return match;
  }

  /** The client of this key if it authenticated within the last `withinMs`; no hashing. */
  recent(presentedKey: string, withinMs: number): string | undefined {
    const known = this.identified.get(presentedKey);
    return known !== undefined && this.now() - known.at <= withinMs ? known.clientId : undefined;
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
